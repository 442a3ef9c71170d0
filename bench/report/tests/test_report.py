#!/usr/bin/python3
"""Tests of the benchmark harness's report tools: the Google Benchmark converter, the renderer, the checker
(including results it must reject) and bench/run.sh with stub producers. Run by scripts/test.sh:
  /usr/bin/python3 bench/report/tests/test_report.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))
import assemble  # noqa: E402
import check  # noqa: E402
import micro_sections  # noqa: E402
import render  # noqa: E402
import schema  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
STUB = "bench/report/tests/fixtures/stub_lab.sh"


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def table(section, title):
    return next(t for t in section["tables"] if t["title"] == title)


class ConverterTest(unittest.TestCase):
    def setUp(self):
        self.section = micro_sections.convert(fixture("gbench_conventional.json"), "fixture_benchmark", "micro_fx")

    def test_well_formed(self):
        self.assertEqual(schema.section_problems(self.section), [])

    def test_group_table_rows_sorted_and_ratio_is_baseline_time_over_impl_time(self):
        seal = table(self.section, "seal_aes_128_gcm")
        self.assertEqual(seal["columns"], ["argument", "openssl_evp ns/op", "openssl_evp MB/s", "ipsec_mb ns/op",
                                           "ipsec_mb MB/s", "ipsec_mb / openssl_evp speed (>1 = faster)"])
        self.assertEqual([r[0] for r in seal["rows"]], [64, 1024, 16384])
        self.assertEqual([r[-1] for r in seal["rows"]], ["2.00x", "3.00x", "4.00x"])
        self.assertEqual(seal["rows"][0][2], 640)  # 64 bytes in 100 ns = 640 MB/s

    def test_time_units_items_errors_and_linear_baseline(self):
        route = table(self.section, "route")
        self.assertIn("hyperscan / linear speed (>1 = faster)", route["columns"])
        rows = {r[0]: r for r in route["rows"]}
        self.assertEqual(rows[10][1], 100)  # 0.1 us -> 100 ns
        self.assertEqual(rows[1000][-1], "40.0x")
        self.assertIn("error: database too large", rows[10000])
        self.assertEqual(rows[10000][1], micro_sections.MISSING)  # linear did not run 10000

    def test_plots_only_for_numeric_arguments(self):
        ids = {p["id"]: p for p in self.section["plots"]}
        self.assertEqual(set(ids), {"micro_fx_seal_aes_128_gcm", "micro_fx_route"})
        self.assertEqual(ids["micro_fx_seal_aes_128_gcm"]["ylabel"], "MB/s")
        self.assertTrue(ids["micro_fx_seal_aes_128_gcm"]["logx"])
        self.assertEqual(ids["micro_fx_route"]["ylabel"], "ns per iteration")
        parse = table(self.section, "parse_request")  # run options stripped from the argument
        self.assertEqual([r[0] for r in parse["rows"]], ["get_small", "post_large"])

    def test_items_per_second_in_millions_only_when_that_high(self):
        self.assertIn("linear M items/s", table(self.section, "route")["columns"])
        data = fixture("gbench_conventional.json")
        for b in data["benchmarks"]:
            if b.get("items_per_second"):
                b["items_per_second"] /= 1e4
        slow = micro_sections.convert(data, "x", "micro_x")
        route = table(slow, "route")
        self.assertIn("linear items/s", route["columns"])
        self.assertEqual(route["rows"][0][route["columns"].index("linear items/s")], 1000)

    def test_context_warns_of_cpu_scaling(self):
        self.assertTrue(any("frequency scaling was enabled" in t for t in self.section["text"]))
        self.assertTrue(any("ipsec_mb: AVX512." in t for t in self.section["text"]))

    def test_names_outside_the_convention(self):
        section = micro_sections.convert(fixture("gbench_legacy_names.json"), "net_benchmark", "micro_net")
        self.assertEqual(schema.section_problems(section), [])
        self.assertIn("BM_Checksum", [t["title"] for t in section["tables"]])
        self.assertEqual([p["id"] for p in section["plots"]], ["micro_net_bm_checksum"])

    def test_nan_in_benchmark_output_does_not_leak(self):
        data = fixture("gbench_conventional.json")
        data["benchmarks"][0]["some_counter"] = float("nan")
        section = micro_sections.convert(data, "x", "micro_x")
        json.dumps(section, allow_nan=False)  # raises if a NaN survived


class CellTest(unittest.TestCase):
    def test_numbers_are_rounded_for_reading_and_pipes_escaped(self):
        self.assertEqual([render.cell(v) for v in (1400, 41334.0, 271.63, 9.587, 0.006131, "a|b", True)],
                         ["1,400", "41,334", "271.6", "9.59", "0.00613", "a\\|b", "true"])
        self.assertEqual([micro_sections.ratio_text(r) for r in (0.532, 11.91, 1495.8)], ["0.53x", "11.9x", "1496x"])


class ReportTest(unittest.TestCase):
    """assemble -> render -> check on fixture producers, then damage the output in ways check must refuse."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tollgate-report-test.")
        micro = micro_sections.convert(fixture("gbench_conventional.json"), "fixture_benchmark", "micro_fx")
        self.write("micro_fx.json", micro)
        subprocess.run(["bash", os.path.join(ROOT, STUB), "--json", os.path.join(self.dir, "stub_lab.json")],
                       check=True, capture_output=True)
        self.results_path = os.path.join(self.dir, "2026-12-02-test.json")
        self.assemble(["micro_fx", "stub_lab"])

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, data):
        with open(os.path.join(self.dir, name), "w") as f:
            json.dump(data, f)

    def assemble(self, names, requested=None):
        with open(os.path.join(self.dir, "manifest.tsv"), "w") as f:
            for name in names:
                path = os.path.join(self.dir, f"{name}.json")
                f.write("\t".join([name, "micro", "ok", "0", "1.5", path, path + ".log", "", "cmd"]) + "\n")
        run = {"date": "2026-12-02", "host": "test", "quick": True, "command": "bench/run.sh --quick",
               "started": "2026-12-02T00:00:00Z", "finished": "2026-12-02T00:01:00Z", "elapsed_s": 60.0,
               "requested": requested or names, "noise": {"niced_cpu_s": 1.5}}
        machine = {"cpu_model": "fixture CPU", "cpu_flags": ["aes"], "versions": {"Tollgate": "v0-test"}}
        self.results = assemble.assemble(os.path.join(self.dir, "manifest.tsv"), machine, run)
        with open(self.results_path, "w") as f:
            json.dump(self.results, f, allow_nan=True)
        return render.render(self.results_path)

    def problems(self):
        return check.check(self.results_path)

    def assert_rejected(self, fragment):
        problems = self.problems()
        self.assertTrue(any(fragment in p for p in problems), f"expected a problem with {fragment!r}: {problems}")

    def test_well_formed_run_passes(self):
        self.assertEqual(self.problems(), [])
        with open(self.results_path[:-5] + ".md") as f:
            md = f.read()
        self.assertIn("![requests/s by proxy](2026-12-02-test/stub_lab_rps.png)", md)
        self.assertIn("| ipsec_mb / openssl_evp speed (>1 = faster) |", md.replace("seal_aes_128_gcm", ""))
        self.assertIn("| CPU | fixture CPU |", md)

    def rewrite(self, change):
        change(self.results)
        with open(self.results_path, "w") as f:
            json.dump(self.results, f, allow_nan=True)

    def test_rejects_a_short_row(self):
        self.rewrite(lambda r: r["sections"][1]["tables"][0]["rows"].append(["only one cell"]))
        self.assert_rejected("1 cells for 4 columns")

    def test_rejects_nan(self):
        self.rewrite(lambda r: r["sections"][1]["tables"][0]["rows"][0].__setitem__(1, float("nan")))
        self.assert_rejected("not a finite JSON number")

    def test_rejects_a_missing_plot_file(self):
        os.unlink(os.path.join(self.dir, "2026-12-02-test", "stub_lab_rps.png"))
        self.assert_rejected("stub_lab_rps.png: missing")

    def test_rejects_a_plot_that_is_not_a_png(self):
        with open(os.path.join(self.dir, "2026-12-02-test", "micro_fx_route.png"), "w") as f:
            f.write("gnuplot error text, not an image" * 10)
        self.assert_rejected("micro_fx_route.png: not a PNG image")

    def test_rejects_a_requested_producer_without_sections(self):
        self.assemble(["micro_fx"], requested=["micro_fx", "stub_lab"])
        self.assert_rejected("producer stub_lab: requested but not recorded")

    def test_rejects_missing_keys_and_bad_ids(self):
        self.rewrite(lambda r: r["sections"][0].__setitem__("section", "Bad-Id"))
        self.assert_rejected("must match [a-z0-9_]+")
        self.rewrite(lambda r: r.pop("machine"))
        self.assert_rejected("'machine' is missing")

    def test_rejects_non_positive_x_on_a_log_axis(self):
        self.rewrite(lambda r: r["sections"][1]["plots"][1]["series"][0]["points"].append([0, 1.0]))
        self.assert_rejected("on a log axis")

    def test_rejects_a_report_without_the_section(self):
        md = self.results_path[:-5] + ".md"
        with open(md) as f:
            text = f.read()
        with open(md, "w") as f:
            f.write(text.replace("## Stub lab section", "## Something else"))
        self.assert_rejected("no heading for section stub_lab")

    def test_assemble_refuses_a_malformed_section(self):
        with open(os.path.join(self.dir, "stub_lab.json")) as f:
            bad = json.load(f)
        bad["tables"][0]["rows"].append([1, 2])
        self.write("stub_lab.json", bad)
        self.assemble(["micro_fx", "stub_lab"])
        stub = next(p for p in self.results["producers"] if p["name"] == "stub_lab")
        self.assertEqual(stub["status"], "failed")
        self.assertIn("2 cells for 4 columns", stub["message"])
        self.assert_rejected("producer stub_lab: failed")

    def test_check_cli_exit_codes(self):
        ok = subprocess.run([sys.executable, os.path.join(ROOT, "bench/report/check.py"), self.results_path],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        os.unlink(self.results_path[:-5] + ".md")
        bad = subprocess.run([sys.executable, os.path.join(ROOT, "bench/report/check.py"), self.results_path],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn(".md: missing", bad.stderr)


class RunShTest(unittest.TestCase):
    """bench/run.sh with stub producers only (--no-build): what it records for ok, failing and missing ones."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tollgate-runsh-test.")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_sh(self, sections, *producers):
        args = ["bash", os.path.join(ROOT, "bench/run.sh"), "--quick", "--no-build", "--host", "t",
                "--out", self.dir, "--sections", sections]
        for p in producers:
            args += ["--producer", p]
        env = dict(os.environ, TMPDIR=self.dir)  # run.sh's work dir (logs), removed with self.dir
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
        json_files = [f for f in os.listdir(self.dir) if f.endswith(".json")]
        self.assertEqual(len(json_files), 1, done.stdout + done.stderr)
        self.assertTrue(json_files[0].endswith("-t-quick.json"))
        path = os.path.join(self.dir, json_files[0])
        with open(path) as f:
            return done, path, json.load(f)

    def test_stub_section_passes_the_checker(self):
        done, path, results = self.run_sh("stub_lab", f"stub_lab script {STUB}")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertEqual(check.check(path, ["stub_lab"]), [])
        self.assertTrue(results["quick"])
        self.assertIn("not run: --quick", results["sections"][0]["tables"][0]["rows"][2])

    def test_missing_failing_and_malformed_producers_fail_the_run(self):
        done, path, results = self.run_sh("ghost,broken,bad", "ghost script bench/no_such_benchmark.sh",
                                          f"broken script {STUB} --fail", f"bad script {STUB} --malformed")
        self.assertNotEqual(done.returncode, 0)
        status = {p["name"]: p["status"] for p in results["producers"]}
        self.assertEqual(status, {"ghost": "missing", "broken": "failed", "bad": "failed"})
        problems = check.check(path)
        for name in ("ghost", "broken", "bad"):
            self.assertTrue(any(f"producer {name}:" in p for p in problems), problems)
        with open(path[:-5] + ".md") as f:
            self.assertIn("| ghost | missing: bench/no_such_benchmark.sh does not exist |", f.read())

    def test_unknown_section_is_a_usage_error(self):
        done = subprocess.run(["bash", os.path.join(ROOT, "bench/run.sh"), "--no-build", "--out", self.dir,
                               "--sections", "no_such"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 2)
        self.assertIn("no producer 'no_such'", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=1)
