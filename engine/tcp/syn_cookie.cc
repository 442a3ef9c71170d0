#include "engine/tcp/syn_cookie.h"

#include <algorithm>

#include "engine/common/byte_order.h"

namespace tollgate::tcp {
namespace {

// Cookie layout (see the header).
constexpr uint32_t kCounterShift = 30;
constexpr uint64_t kCounterMask = 0x3;
constexpr uint32_t kMssShift = 27;
constexpr uint32_t kMssMask = 0x7;
constexpr uint32_t kMacMask = (uint32_t{1} << kMssShift) - 1;
static_assert(SynCookies::kMssTable.size() == kMssMask + 1);

// TSval option field.
constexpr uint32_t kTsFieldMask = 0x1f;
constexpr uint32_t kTsSackBit = 0x10;
constexpr uint32_t kTsWscaleMask = 0x0f;
constexpr uint8_t kTsWscaleNone = 15;
constexpr uint8_t kMaxWindowScale = 14;  // RFC 7323 §2.3
// The MAC's "timestamps were used" marker: the field itself never has this bit.
constexpr uint8_t kMacTimestamps = 0x80;

uint32_t mss_index(uint16_t mss) {
  uint32_t index = 0;
  for (uint32_t i = 1; i < SynCookies::kMssTable.size(); ++i) {
    if (SynCookies::kMssTable[i] <= mss) index = i;
  }
  return index;
}

uint8_t ts_field(const SynOptions& o) {
  const uint8_t wscale =
      o.wscale == kWindowScaleNotOffered ? kTsWscaleNone : std::min(o.wscale, kMaxWindowScale);
  return static_cast<uint8_t>((o.sack_permitted ? kTsSackBit : 0) | wscale);
}

// What the MAC covers of the options besides the MSS.
uint8_t mac_options(const SynOptions& o) {
  return o.timestamps ? static_cast<uint8_t>(kMacTimestamps | ts_field(o)) : 0;
}

}  // namespace

uint32_t SynCookies::mac(const Tuple& t, uint32_t client_isn, uint64_t counter, uint32_t mss_index,
                         uint8_t options) {
  std::array<uint8_t, 26> m;
  store_be32(m.data(), t.local_ip);
  store_be32(m.data() + 4, t.remote_ip);
  store_be16(m.data() + 8, t.local_port);
  store_be16(m.data() + 10, t.remote_port);
  store_be32(m.data() + 12, client_isn);
  store_be32(m.data() + 16, static_cast<uint32_t>(counter >> 32));
  store_be32(m.data() + 20, static_cast<uint32_t>(counter));
  m[24] = static_cast<uint8_t>(mss_index);
  m[25] = options;
  return static_cast<uint32_t>(hash_.hash(m)) & kMacMask;
}

uint32_t SynCookies::make(const Tuple& t, uint32_t client_isn, SynOptions offered, uint64_t now_us,
                          SynOptions* encoded) {
  const uint64_t counter = now_us / kCounterPeriodUs;
  const uint32_t index = mss_index(offered.mss);
  SynOptions kept{kMssTable[index], kWindowScaleNotOffered, false, offered.timestamps};
  if (offered.timestamps) {
    if (offered.wscale != kWindowScaleNotOffered) kept.wscale = std::min(offered.wscale, kMaxWindowScale);
    kept.sack_permitted = offered.sack_permitted;
  }
  if (encoded != nullptr) *encoded = kept;
  return static_cast<uint32_t>(counter & kCounterMask) << kCounterShift | index << kMssShift |
         mac(t, client_isn, counter, index, mac_options(kept));
}

uint32_t SynCookies::make_tsval(uint64_t clock_tsval, SynOptions encoded) {
  const auto clock = static_cast<uint32_t>(clock_tsval);
  if (!encoded.timestamps) return clock;
  const uint32_t field = ts_field(encoded);
  uint32_t tsval = (clock & ~kTsFieldMask) | field;
  if (field > (clock & kTsFieldMask)) tsval -= kTsFieldMask + 1;  // modulo 2^32, like the TS clock
  return tsval;
}

std::optional<SynOptions> SynCookies::check(const Tuple& t, uint32_t client_isn, uint32_t cookie,
                                            std::optional<uint32_t> tsecr, uint64_t now_us) {
  // Which minute: this one or the previous one, nothing else (RFC 4987 §3.6 bounds a cookie's life).
  const uint64_t now_counter = now_us / kCounterPeriodUs;
  const uint64_t low_bits = cookie >> kCounterShift;
  uint64_t counter;
  if (low_bits == (now_counter & kCounterMask)) {
    counter = now_counter;
  } else if (now_counter > 0 && low_bits == ((now_counter - 1) & kCounterMask)) {
    counter = now_counter - 1;
  } else {
    return std::nullopt;
  }

  const uint32_t index = cookie >> kMssShift & kMssMask;
  SynOptions options{kMssTable[index], kWindowScaleNotOffered, false, tsecr.has_value()};
  if (tsecr) {
    const auto wscale = static_cast<uint8_t>(*tsecr & kTsWscaleMask);
    if (wscale != kTsWscaleNone) options.wscale = wscale;
    options.sack_permitted = (*tsecr & kTsSackBit) != 0;
  }
  if (mac(t, client_isn, counter, index, mac_options(options)) != (cookie & kMacMask)) return std::nullopt;
  return options;
}

}  // namespace tollgate::tcp
