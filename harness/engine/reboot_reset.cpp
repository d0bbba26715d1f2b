#include "engine/reboot_reset.hpp"

namespace hurdle {

// Compiled once here for the runner; the header has the definitions, for the unit tests' fake.
template class BasicRebootReset<Machine>;

}  // namespace hurdle
