#include "results/imported_test.hpp"

namespace hurdle {

const char* to_string(ImportedTest::Status status) {
  switch (status) {
    case ImportedTest::Status::kPassed:
      return "passed";
    case ImportedTest::Status::kFailed:
      return "failed";
    case ImportedTest::Status::kSkipped:
      return "skipped";
    case ImportedTest::Status::kError:
      return "error";
  }
  return "error";
}

}  // namespace hurdle
