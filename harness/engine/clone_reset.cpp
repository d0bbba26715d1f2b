#include "engine/clone_reset.hpp"

namespace hurdle {

// Compiled once here for the runner; the header has the definitions, for the unit tests' fake.
template class BasicCloneReset<Machine, TemplateSource>;

}  // namespace hurdle
