#!/usr/bin/env bash
# Regenerates the result files under tests/data/results/ by running the real tools: automake's
# test driver (a tiny autotools project), Perl's Test::More, node's test runner (TAP 13), CTest
# (--output-junit), pytest (--junitxml) and GoogleTest (--gtest_output=xml). The committed
# files are what these printed on Debian 12; tests parse them, so the tools are not needed to
# run the tests. Needs: automake autoconf make gcc perl nodejs cmake python3-pytest libgtest-dev.
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# automake: plain tests with every result, and a TAP test through tap-driver.sh.
mkdir -p "$work/am" && cd "$work/am"
cat > configure.ac <<'AC'
AC_INIT([sample], [1.0])
AM_INIT_AUTOMAKE([foreign])
AC_REQUIRE_AUX_FILE([tap-driver.sh])
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
AC
cat > Makefile.am <<'AM'
TESTS = pass.sh fail.sh skip.sh xfail.sh hard-error.sh numbers.tap
XFAIL_TESTS = xfail.sh
TEST_EXTENSIONS = .sh .tap
TAP_LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/tap-driver.sh
AM
printf '#!/bin/sh\necho all good\nexit 0\n' > pass.sh
printf '#!/bin/sh\necho "expected 4, got 5" >&2\nexit 1\n' > fail.sh
printf '#!/bin/sh\necho "no network here"\nexit 77\n' > skip.sh
printf '#!/bin/sh\necho known bug\nexit 1\n' > xfail.sh
printf '#!/bin/sh\necho "cannot set up the fixture"\nexit 99\n' > hard-error.sh
printf '#!/bin/sh\necho 1..4\necho "ok 1 - adds"\necho "not ok 2 - subtracts"\necho "ok 3 - divides # SKIP no FPU"\necho "not ok 4 - overflows # TODO later"\n' > numbers.tap
chmod +x *.sh numbers.tap
cp /usr/share/automake-*/tap-driver.sh .
autoreconf -i >/dev/null 2>&1
./configure >/dev/null
make check >/dev/null 2>&1 || true
mkdir -p "$out/automake"
cp test-suite.log ./*.trs ./*.log "$out/automake/"
rm -f "$out/automake/config.log"

# TAP 12 from Perl's Test::More, TAP 13 with YAML diagnostics from node's test runner.
mkdir -p "$out/tap"
perl -e 'use Test::More tests => 5;
  ok(1, "parses a header");
  is(2 + 2, 5, "adds");
  SKIP: { skip "no locale", 1; ok(1, "sorts") }
  TODO: { local $TODO = "not yet"; ok(0, "unicode names") }
  ok(1);' > "$out/tap/test-more.tap" 2>&1 || true
if command -v node >/dev/null; then
  cat > "$work/sample.test.mjs" <<'JS'
import test from 'node:test';
import assert from 'node:assert';
test('passes', () => { assert.equal(1, 1); });
test('fails', () => { assert.equal(1, 2); });
test('skipped', { skip: 'not on this system' }, () => {});
test('todo', { todo: 'later' }, () => { assert.fail('not done'); });
JS
  (cd "$work" && node --test --test-reporter=tap sample.test.mjs > "$out/tap/node-test.tap" 2>&1 || true)
fi

# JUnit: CTest, pytest, GoogleTest.
mkdir -p "$out/junit" "$work/ct" && cd "$work/ct"
cat > CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.21)
project(sample NONE)
enable_testing()
add_test(NAME passes COMMAND sh -c "echo fine")
add_test(NAME fails COMMAND sh -c "echo 'bad value' >&2; exit 3")
add_test(NAME skipped COMMAND sh -c "echo 'no disk'; exit 77")
set_tests_properties(skipped PROPERTIES SKIP_RETURN_CODE 77)
CM
cmake -S . -B b >/dev/null
(cd b && ctest --output-junit "$out/junit/ctest.xml" >/dev/null 2>&1 || true)
cat > "$work/test_sample.py" <<'PY'
import pytest
def test_passes():
    assert 1 == 1
def test_fails():
    assert [1, 2] == [1, 3]
@pytest.mark.skip(reason="needs a GPU")
def test_skipped():
    pass
def test_error(missing_fixture):
    pass
PY
(cd "$work" && python3 -m pytest -q --junitxml="$out/junit/pytest.xml" test_sample.py >/dev/null 2>&1 || true)
cat > "$work/gt.cpp" <<'CPP'
#include <gtest/gtest.h>
TEST(Math, Adds) { EXPECT_EQ(2 + 2, 4); }
TEST(Math, Subtracts) { EXPECT_EQ(5 - 3, 1) << "off by one"; }
TEST(Math, Skips) { GTEST_SKIP() << "not today"; }
CPP
g++ -std=c++17 "$work/gt.cpp" -o "$work/gt" -lgtest -lgtest_main -pthread
("$work/gt" --gtest_output=xml:"$out/junit/gtest.xml" >/dev/null 2>&1 || true)
echo "samples written to $out"
