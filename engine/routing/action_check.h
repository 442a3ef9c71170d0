// Checks an action before a table holding it is built, so that a bad one fails the config load rather than
// a request.
#pragma once

#include "engine/common/result.h"
#include "engine/routing/types.h"

namespace tollgate::routing {

// The error says what is wrong, not where: the caller prefixes the rule.
Status check_action(const Action& action);

}  // namespace tollgate::routing
