// Counts the calls of the global operator new in this test binary (allocation_counter.cc replaces it), so
// a test can assert that a path allocates nothing.
#pragma once

#include <cstdint>

namespace tollgate::health::testing {

uint64_t allocations();

}  // namespace tollgate::health::testing
