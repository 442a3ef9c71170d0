// Placeholder: the control plane (config, certificates, health checks, stats over shared memory) is not
// built yet. Until it is, the dataplane reads its TOML config itself.
#include <cstdio>

int main() {
  std::fprintf(stderr,
               "tollgate-controlplane: not implemented yet; the dataplane reads its config directly\n");
  return 2;
}
