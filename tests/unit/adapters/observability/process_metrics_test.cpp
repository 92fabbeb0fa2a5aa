// The process_* series come from /proc (prometheus-cpp has no process collector): the parser
// on proc(5)'s layout, including a command name with spaces and ')' in it, and the live read.
#include "adapters/observability/process_metrics.hpp"

#include <unistd.h>

#include <ctime>
#include <string>

#include <catch2/catch.hpp>

namespace mb::adapters::observability {
namespace {

// /proc/<pid>/stat of a process named "a) b" (fields 1..24 then more): utime 250, stime 50,
// 7 threads, started 1000 ticks after boot, vsize 123456789, rss 2048 pages.
const std::string kStat =
    "4242 (a) b) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 7 0 1000 123456789 "
    "2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0\n";

TEST_CASE("Process metrics: /proc/self/stat fields by proc(5)'s numbers", "[observability]") {
    const auto s = parse_proc_stat(kStat, 100, 4096, 1'700'000'000);
    REQUIRE(s);
    CHECK(s->cpu_seconds == Approx(3.0));  // (250 + 50) / 100
    CHECK(s->threads == 7);
    CHECK(s->start_time_seconds == Approx(1'700'000'010.0));  // btime + 1000 / 100
    CHECK(s->virtual_memory_bytes == 123456789);
    CHECK(s->resident_memory_bytes == 2048u * 4096u);
}

TEST_CASE("Process metrics: text without the fields gives nothing, not zeros",
          "[observability]") {
    CHECK_FALSE(parse_proc_stat("", 100, 4096, 0));
    CHECK_FALSE(parse_proc_stat("4242 (x) S 1 2 3", 100, 4096, 0));
    CHECK_FALSE(parse_proc_stat("4242 no parenthesis", 100, 4096, 0));
    CHECK_FALSE(parse_proc_stat(kStat, 0, 4096, 0));
    std::string bad = kStat;
    bad.replace(bad.find(" 250 "), 5, " x50 ");
    CHECK_FALSE(parse_proc_stat(bad, 100, 4096, 0));
}

TEST_CASE("Process metrics: btime of /proc/stat", "[observability]") {
    CHECK(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1764640000\nprocesses 9\n") == 1764640000u);
    CHECK_FALSE(parse_boot_time("cpu 1 2 3\n"));
    CHECK_FALSE(parse_boot_time("btime soon\n"));
}

TEST_CASE("Process metrics: this process, read live", "[observability]") {
    const auto s = sample_process();
    REQUIRE(s);
    CHECK(s->resident_memory_bytes > 0);
    CHECK(s->threads >= 1);
    CHECK(s->open_fds >= 3);  // stdin, stdout, stderr at least
    CHECK(s->max_fds >= s->open_fds);
    const auto now = static_cast<double>(std::time(nullptr));
    CHECK(s->start_time_seconds <= now + 1);
    CHECK(s->start_time_seconds > now - 24 * 3600);
    CHECK_FALSE(sample_process("/nonexistent-proc"));
}

}  // namespace
}  // namespace mb::adapters::observability
