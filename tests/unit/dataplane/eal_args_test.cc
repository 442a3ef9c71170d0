#include "dataplane/eal_args.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tollgate::dataplane {
namespace {

DataplaneConfig two_ports(PortDriver driver) {
  DataplaneConfig c;
  c.cores = 2;
  for (const char* name : {"front", "back"}) {
    PortConfig p;
    p.name = name;
    p.iface = std::string("tg-") + name;
    p.driver = driver;
    c.ports.push_back(p);
  }
  return c;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(EalArgs, VirtualDevicesAlwaysCarryNoPci) {
  for (PortDriver d : {PortDriver::kAfXdp, PortDriver::kAfPacket}) {
    EalEnvironment env{{0, 1}, 0, "tgtest", {}};
    const EalPlan plan = build_eal_plan(two_ports(d), env);
    EXPECT_TRUE(has(plan.args, "--no-pci"));
    EXPECT_FALSE(has(plan.args, "-a"));
  }
}

TEST(EalArgs, AfXdpGetsOneSocketDevicePerWorker) {
  EalEnvironment env{{0, 1}, 0, "tgtest", {}};
  const EalPlan plan = build_eal_plan(two_ports(PortDriver::kAfXdp), env);
  EXPECT_TRUE(has(plan.args, "net_af_xdp0,iface=tg-front,start_queue=0,queue_count=1,busy_budget=64"));
  EXPECT_TRUE(has(plan.args, "net_af_xdp1,iface=tg-front,start_queue=1,queue_count=1,busy_budget=64"));
  EXPECT_TRUE(has(plan.args, "net_af_xdp2,iface=tg-back,start_queue=0,queue_count=1,busy_budget=64"));
  EXPECT_TRUE(has(plan.args, "net_af_xdp3,iface=tg-back,start_queue=1,queue_count=1,busy_budget=64"));
  ASSERT_EQ(plan.port_devices.size(), 2u);
  EXPECT_EQ(plan.port_devices[0], (std::vector<std::string>{"net_af_xdp0", "net_af_xdp1"}));
  EXPECT_EQ(plan.workers, 2);
}

TEST(EalArgs, AfPacketUsesQpairs) {
  EalEnvironment env{{0, 1}, 0, "tgtest", {}};
  const EalPlan plan = build_eal_plan(two_ports(PortDriver::kAfPacket), env);
  EXPECT_TRUE(has(plan.args, "net_af_packet0,iface=tg-front,qpairs=2,qdisc_bypass=1"));
  EXPECT_EQ(plan.port_devices[0], (std::vector<std::string>{"net_af_packet0"}));
}

TEST(EalArgs, PciPortsAreAnExplicitAllowList) {
  DataplaneConfig c = two_ports(PortDriver::kAfXdp);
  c.ports[0].driver = PortDriver::kPci;
  c.ports[0].pci = "0000:3b:00.0";
  EalEnvironment env{{0, 1}, 0, "tgtest", {}};
  const EalPlan plan = build_eal_plan(c, env);
  EXPECT_FALSE(has(plan.args, "--no-pci"));
  const auto a = std::find(plan.args.begin(), plan.args.end(), "-a");
  ASSERT_NE(a, plan.args.end());
  EXPECT_EQ(*(a + 1), "0000:3b:00.0");
}

TEST(EalArgs, MemifPortsAreServersWithAQueuePerWorker) {
  DataplaneConfig c = two_ports(PortDriver::kMemif);
  c.ports[0].socket = "/tmp/tg-front.sock";
  c.ports[1].socket = "/tmp/tg-back.sock";
  c.ports[1].mac = net::MacAddress{{0x02, 0xaa, 0, 0, 0, 0x07}};
  EalEnvironment env{{0, 1}, 0, "tgtest", {}};
  const EalPlan plan = build_eal_plan(c, env);
  EXPECT_TRUE(has(plan.args, "--no-pci"));
  EXPECT_TRUE(
      has(plan.args,
          "net_memif0,role=server,id=0,socket=/tmp/tg-front.sock,socket-abstract=no,mac=02:00:00:00:01:01"));
  EXPECT_TRUE(
      has(plan.args,
          "net_memif1,role=server,id=0,socket=/tmp/tg-back.sock,socket-abstract=no,mac=02:aa:00:00:00:07"));
  ASSERT_EQ(plan.port_devices.size(), 2u);
  // One device per port: its queue pairs (one per worker) are configured at port setup.
  EXPECT_EQ(plan.port_devices[0], (std::vector<std::string>{"net_memif0"}));
  EXPECT_EQ(plan.port_devices[1], (std::vector<std::string>{"net_memif1"}));
}

TEST(EalArgs, MemoryModeFollowsHugepages) {
  EalEnvironment env{{0, 1}, 0, "tgtest", {}};
  DataplaneConfig c = two_ports(PortDriver::kAfXdp);
  EalPlan plan = build_eal_plan(c, env);
  EXPECT_TRUE(has(plan.args, "--no-huge"));
  EXPECT_FALSE(has(plan.args, "--in-memory"));
  env.free_hugepage_bytes = uint64_t{1} << 30;
  plan = build_eal_plan(c, env);
  EXPECT_TRUE(has(plan.args, "--in-memory"));
  EXPECT_FALSE(has(plan.args, "--no-huge"));
  EXPECT_TRUE(has(plan.args, "tgtest"));
}

TEST(EalArgs, WorkersDefaultToAllButOneAndWrapOnSmallMachines) {
  EXPECT_EQ(resolve_worker_count(0, 2), 1);
  EXPECT_EQ(resolve_worker_count(0, 1), 1);
  EXPECT_EQ(resolve_worker_count(0, 16), 15);
  EXPECT_EQ(resolve_worker_count(3, 2), 3);
  DataplaneConfig c = two_ports(PortDriver::kAfXdp);
  c.cores = 0;
  EalEnvironment env{{4, 5}, 0, "tgtest", {}};
  EalPlan plan = build_eal_plan(c, env);
  EXPECT_TRUE(has(plan.args, "0@4,1@5"));
  c.cores = 2;
  plan = build_eal_plan(c, env);
  EXPECT_TRUE(has(plan.args, "0@4,1@5,2@4"));
}

}  // namespace
}  // namespace tollgate::dataplane
