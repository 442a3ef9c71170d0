// A segment in a directory of its own (--segment-dir) instead of /dev/shm, where any local user could take
// its name first.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/unit/shm/test_segment.h"

namespace tollgate::shm {
namespace {

class SegmentDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tollgate-segdir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::unlink((dir_ + "/tollgate-t").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string dir_;
};

TEST_F(SegmentDirTest, NamesAFileInTheDirectory) {
  EXPECT_EQ(Segment::name_for("t", dir_).value(), dir_ + "/tollgate-t");
  EXPECT_EQ(Segment::name_for("t", dir_ + "/").value(), dir_ + "/tollgate-t");
  EXPECT_EQ(Segment::name_for("t").value(), "/tollgate-t");
  EXPECT_EQ(Segment::path_of("/tollgate-t"), "/dev/shm/tollgate-t");
  EXPECT_EQ(Segment::path_of(dir_ + "/tollgate-t"), dir_ + "/tollgate-t");
  EXPECT_FALSE(Segment::name_for("t", "relative/dir"));
}

TEST_F(SegmentDirTest, CreatedThereAttachedThereAndAStaleOneReplaced) {
  const std::string name = Segment::name_for("t", dir_).value();
  // A stale file of ours (a dataplane that died) is replaced.
  const int fd = ::open(name.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  Result<Segment> created = Segment::create(name, small_capacities());
  ASSERT_TRUE(created) << created.error();
  struct stat st {};
  ASSERT_EQ(::stat(name.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(created->bytes()));
  Result<Segment> attached = Segment::attach(name);
  ASSERT_TRUE(attached) << attached.error();
  EXPECT_EQ(attached->capacities().cores, small_capacities().cores);
  ASSERT_TRUE(Segment::unlink(name));
  EXPECT_NE(::stat(name.c_str(), &st), 0);
}

TEST_F(SegmentDirTest, ADirectoryOthersMayWriteIsRefused) {
  ASSERT_EQ(::chmod(dir_.c_str(), 0777), 0);
  Result<Segment> created = Segment::create(Segment::name_for("t", dir_).value(), small_capacities());
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().find("lets other users create files"), std::string::npos) << created.error();
}

TEST_F(SegmentDirTest, ASymlinkInPlaceOfTheSegmentIsNotFollowed) {
  const std::string name = Segment::name_for("t", dir_).value();
  ASSERT_EQ(::symlink("/tmp/tollgate-segdir-target-never-made", name.c_str()), 0);
  EXPECT_FALSE(Segment::attach(name));
}

}  // namespace
}  // namespace tollgate::shm
