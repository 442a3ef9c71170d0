// Placeholder for the operator CLI. Exits non-zero so scripts never mistake it for a working command.
#include <cstdio>

int main() {
  std::fprintf(stderr,
               "tollgatectl: not implemented yet; see the dataplane's stats file (scripts/lab.sh status)\n");
  return 2;
}
