// The [management] section: where the control plane serves its Prometheus endpoint. Read by the same
// reader as the rest of the config so that `tollgatectl config check`, the dataplane's --check-config and
// the control plane agree on what a valid file is (the dataplane itself ignores the section).
#pragma once

#include <string>

#include "config/config.h"
#include "config/toml_reader.h"

namespace tollgate::dataplane {

// [management] address = "127.0.0.1:9100"; "" disables the endpoint.
void read_management(TomlReader& r, const toml::table& t, ManagementConfig& out);

}  // namespace tollgate::dataplane
