#include "engine/tcp/syn_cookie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace tollgate::tcp {
namespace {

constexpr uint64_t kMinute = SynCookies::kCounterPeriodUs;
constexpr Tuple kTuple{0xc6120001, 0xc6120002, 443, 40000};  // 198.18.0.1:443 <- 198.18.0.2:40000
constexpr uint32_t kClientIsn = 0x12345678;
constexpr uint64_t kNow = 1000 * kMinute + 17'000'000;  // 17 s into minute 1000

KeyedHash::Key fixed_key() {
  KeyedHash::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x5a ^ (i * 7));
  return key;
}

SynOptions no_ts(uint16_t mss) {
  return {mss, 7, true, false};  // window scale and SACK offered, but no timestamps to carry them
}

TEST(SynCookies, MssMapsToTheLargestTableEntryNotAboveTheOffer) {
  SynCookies cookies(fixed_key());
  const struct {
    uint16_t offered;
    uint16_t used;
  } cases[] = {
      {1460, 1460}, {1459, 1452}, {1452, 1452}, {1451, 1440}, {1441, 1440},  {1400, 1400},
      {1380, 1360}, {1300, 1300}, {1299, 1200}, {1220, 1200}, {1199, 536},   {536, 536},
      {535, 536},   {500, 536},   {0, 536},     {9000, 1460}, {65535, 1460},
  };
  for (const auto& c : cases) {
    SynOptions used;
    const uint32_t cookie = cookies.make(kTuple, kClientIsn, no_ts(c.offered), kNow, &used);
    EXPECT_EQ(used.mss, c.used) << c.offered;
    const auto checked = cookies.check(kTuple, kClientIsn, cookie, std::nullopt, kNow);
    ASSERT_TRUE(checked) << c.offered;
    EXPECT_EQ(checked->mss, c.used) << c.offered;
  }
}

TEST(SynCookies, RoundTripEveryTableEntryWithoutTimestamps) {
  SynCookies cookies(fixed_key());
  for (uint16_t mss : SynCookies::kMssTable) {
    SynOptions used;
    const uint32_t cookie = cookies.make(kTuple, kClientIsn, no_ts(mss), kNow, &used);
    // Without timestamps window scale and SACK have nowhere to go: they are dropped.
    EXPECT_EQ(used, (SynOptions{mss, kWindowScaleNotOffered, false, false}));
    EXPECT_EQ(SynCookies::make_tsval(123456, used), 123456u) << "no timestamps: clock unchanged";
    const auto checked = cookies.check(kTuple, kClientIsn, cookie, std::nullopt, kNow + 5'000'000);
    ASSERT_TRUE(checked) << mss;
    EXPECT_EQ(*checked, used);
  }
}

TEST(SynCookies, RoundTripEveryTableEntryAndOptionWithTimestamps) {
  SynCookies cookies(fixed_key());
  uint64_t clock = 0x7654321;
  for (uint16_t mss : SynCookies::kMssTable) {
    for (uint8_t wscale = 0; wscale <= 15; ++wscale) {
      for (bool sack : {false, true}) {
        const SynOptions offered{mss, wscale == 15 ? kWindowScaleNotOffered : wscale, sack, true};
        SynOptions used;
        const uint32_t cookie = cookies.make(kTuple, kClientIsn, offered, kNow, &used);
        EXPECT_EQ(used, offered);
        const uint32_t tsval = SynCookies::make_tsval(clock++, used);
        const auto checked = cookies.check(kTuple, kClientIsn, cookie, tsval, kNow + 30'000'000);
        ASSERT_TRUE(checked) << mss << " " << int{wscale} << " " << sack;
        EXPECT_EQ(*checked, used);
      }
    }
  }
}

TEST(SynCookies, WindowScaleAboveFourteenIsFourteen) {
  SynCookies cookies(fixed_key());
  SynOptions used;
  const uint32_t cookie = cookies.make(kTuple, kClientIsn, {1460, 15, false, true}, kNow, &used);
  EXPECT_EQ(used.wscale, 14);
  const auto checked = cookies.check(kTuple, kClientIsn, cookie, SynCookies::make_tsval(1000, used), kNow);
  ASSERT_TRUE(checked);
  EXPECT_EQ(checked->wscale, 14);
}

TEST(SynCookies, TsvalCarriesTheFieldAndNeverRunsAheadOfTheClock) {
  const SynOptions used{1460, 7, true, true};  // field = 0x10 | 7 = 0x17
  for (uint32_t low = 0; low < 64; ++low) {
    const uint32_t clock = 0x1000 + low;
    const uint32_t tsval = SynCookies::make_tsval(clock, used);
    EXPECT_EQ(tsval & 0x1f, 0x17u);
    EXPECT_LE(tsval, clock);
    EXPECT_LT(clock - tsval, 32u);
  }
  // Near zero the TSval goes back across the wrap, as the 32-bit timestamp clock does.
  EXPECT_EQ(SynCookies::make_tsval(3, used), 0xfffffff7u);
  // Only the low 32 bits of the clock are a TSval.
  EXPECT_EQ(SynCookies::make_tsval((uint64_t{5} << 32) | 0x100, used), 0xf7u);
}

TEST(SynCookies, AnotherTupleClientIsnOrKeyFails) {
  SynCookies cookies(fixed_key());
  SynOptions used;
  const uint32_t cookie = cookies.make(kTuple, kClientIsn, {1460, 7, true, true}, kNow, &used);
  const uint32_t tsval = SynCookies::make_tsval(99999, used);
  ASSERT_TRUE(cookies.check(kTuple, kClientIsn, cookie, tsval, kNow));

  Tuple t = kTuple;
  t.local_ip ^= 1;
  EXPECT_FALSE(cookies.check(t, kClientIsn, cookie, tsval, kNow));
  t = kTuple;
  t.remote_ip ^= 0x100;
  EXPECT_FALSE(cookies.check(t, kClientIsn, cookie, tsval, kNow));
  t = kTuple;
  t.local_port = 8443;
  EXPECT_FALSE(cookies.check(t, kClientIsn, cookie, tsval, kNow));
  t = kTuple;
  t.remote_port += 1;
  EXPECT_FALSE(cookies.check(t, kClientIsn, cookie, tsval, kNow));
  EXPECT_FALSE(cookies.check(kTuple, kClientIsn + 1, cookie, tsval, kNow));
  EXPECT_FALSE(cookies.check(kTuple, kClientIsn ^ 0x80000000u, cookie, tsval, kNow));

  SynCookies other(KeyedHash::random_key());
  EXPECT_FALSE(other.check(kTuple, kClientIsn, cookie, tsval, kNow));
}

TEST(SynCookies, EveryFlippedBitFails) {
  SynCookies cookies(fixed_key());
  SynOptions used;
  const uint32_t cookie = cookies.make(kTuple, kClientIsn, {1400, 9, true, true}, kNow, &used);
  const uint32_t tsval = SynCookies::make_tsval(0xabcdef12, used);
  ASSERT_TRUE(cookies.check(kTuple, kClientIsn, cookie, tsval, kNow));
  for (int bit = 0; bit < 32; ++bit) {
    EXPECT_FALSE(cookies.check(kTuple, kClientIsn, cookie ^ (1u << bit), tsval, kNow))
        << "cookie bit " << bit;
  }
  // The option bits of the echoed TSval are authenticated; the clock bits above them are not ours to judge.
  for (int bit = 0; bit < 5; ++bit) {
    EXPECT_FALSE(cookies.check(kTuple, kClientIsn, cookie, tsval ^ (1u << bit), kNow)) << "tsecr bit " << bit;
  }
  for (int bit = 5; bit < 32; ++bit) {
    EXPECT_TRUE(cookies.check(kTuple, kClientIsn, cookie, tsval ^ (1u << bit), kNow)) << "tsecr bit " << bit;
  }
}

TEST(SynCookies, TimestampOptionMustBeEchoedExactlyWhenItWasUsed) {
  SynCookies cookies(fixed_key());
  SynOptions with_ts;
  const uint32_t a = cookies.make(kTuple, kClientIsn, {1460, 7, true, true}, kNow, &with_ts);
  EXPECT_FALSE(cookies.check(kTuple, kClientIsn, a, std::nullopt, kNow)) << "ACK dropped the timestamps";
  SynOptions without_ts;
  const uint32_t b = cookies.make(kTuple, kClientIsn, no_ts(1460), kNow, &without_ts);
  // An ACK that adds a timestamp option the SYN-ACK did not have: whatever its TSecr, it fails.
  for (uint32_t tsecr = 0; tsecr < 32; ++tsecr)
    EXPECT_FALSE(cookies.check(kTuple, kClientIsn, b, tsecr, kNow));
  EXPECT_TRUE(cookies.check(kTuple, kClientIsn, b, std::nullopt, kNow));
}

TEST(SynCookies, ValidForTheCurrentAndThePreviousMinuteOnly) {
  SynCookies cookies(fixed_key());
  SynOptions used;
  const uint32_t cookie = cookies.make(kTuple, kClientIsn, no_ts(1460), kNow, &used);
  auto ok_at = [&](uint64_t now_us) {
    return cookies.check(kTuple, kClientIsn, cookie, std::nullopt, now_us).has_value();
  };
  EXPECT_TRUE(ok_at(kNow));
  EXPECT_TRUE(ok_at(kNow + 42'000'000)) << "same minute";
  EXPECT_TRUE(ok_at(kNow + kMinute)) << "one minute old";
  EXPECT_TRUE(ok_at(1002 * kMinute - 1)) << "last microsecond of the next minute";
  EXPECT_FALSE(ok_at(1002 * kMinute)) << "two minutes on";
  EXPECT_FALSE(ok_at(kNow + 2 * kMinute));
  EXPECT_FALSE(ok_at(kNow + 3 * kMinute)) << "three minutes old";
  EXPECT_FALSE(ok_at(kNow + 4 * kMinute))
      << "same low counter bits four minutes on: the MAC covers the counter";
  EXPECT_FALSE(ok_at(kNow + 8 * kMinute));
  EXPECT_FALSE(ok_at(kNow - kMinute)) << "from the future";
}

TEST(SynCookies, MinuteCounterWraps) {
  SynCookies cookies(fixed_key());
  // The 2-bit field wraps from 3 to 0 every four minutes.
  for (uint64_t minute = 1000; minute < 1008; ++minute) {
    const uint32_t cookie =
        cookies.make(kTuple, kClientIsn, no_ts(1460), minute * kMinute + 59'000'000, nullptr);
    EXPECT_TRUE(cookies.check(kTuple, kClientIsn, cookie, std::nullopt, (minute + 1) * kMinute + 1))
        << minute;
    EXPECT_FALSE(cookies.check(kTuple, kClientIsn, cookie, std::nullopt, (minute + 2) * kMinute)) << minute;
  }
  // A counter past 32 bits.
  const uint64_t big = (uint64_t{1} << 32) - 1;
  const uint32_t cookie = cookies.make(kTuple, kClientIsn, no_ts(1460), big * kMinute, nullptr);
  EXPECT_TRUE(cookies.check(kTuple, kClientIsn, cookie, std::nullopt, (big + 1) * kMinute));
  // At minute 0 there is no previous minute: a cookie whose counter bits say "3" is not from minute -1.
  const uint32_t at_three = cookies.make(kTuple, kClientIsn, no_ts(1460), 3 * kMinute, nullptr);
  EXPECT_FALSE(cookies.check(kTuple, kClientIsn, at_three, std::nullopt, 0));
  const uint32_t at_zero = cookies.make(kTuple, kClientIsn, no_ts(1460), 0, nullptr);
  EXPECT_TRUE(cookies.check(kTuple, kClientIsn, at_zero, std::nullopt, kMinute + 5));
}

TEST(SynCookies, RandomForgeriesAreRejected) {
  SynCookies cookies(fixed_key());
  std::mt19937 rng(4987);
  int accepted = 0;
  for (int i = 0; i < 100'000; ++i) {
    const auto cookie = static_cast<uint32_t>(rng());
    const std::optional<uint32_t> tsecr =
        (i & 1) ? std::optional<uint32_t>(static_cast<uint32_t>(rng())) : std::nullopt;
    if (cookies.check(kTuple, kClientIsn, cookie, tsecr, kNow)) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
  // A forger who knows our clock sets the counter bits right: only the 27-bit MAC stands in the way.
  const uint32_t counter_bits = static_cast<uint32_t>((kNow / kMinute) & 3) << 30;
  accepted = 0;
  for (int i = 0; i < 100'000; ++i) {
    const uint32_t cookie = counter_bits | static_cast<uint32_t>(rng() >> 2);
    if (cookies.check(kTuple, kClientIsn, cookie, std::nullopt, kNow)) ++accepted;
  }
  EXPECT_EQ(accepted, 0);
}

TEST(SynCookies, MacsSpreadAcrossClients) {
  // A SYN flood's different client ISNs give unrelated MACs: 4096 of them in a 27-bit space collide less
  // than 7% of the time, so more than a couple of repeats would mean structure.
  SynCookies cookies(fixed_key());
  std::vector<uint32_t> macs;
  for (uint32_t isn = 0; isn < 4096; ++isn) {
    macs.push_back(cookies.make(kTuple, isn * 2654435761u, no_ts(1460), kNow, nullptr) & 0x7ffffff);
  }
  std::sort(macs.begin(), macs.end());
  const auto distinct = std::unique(macs.begin(), macs.end()) - macs.begin();
  EXPECT_GE(distinct, 4094);
}

}  // namespace
}  // namespace tollgate::tcp
