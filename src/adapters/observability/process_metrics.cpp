#include "adapters/observability/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

namespace mb::adapters::observability {
namespace {

std::optional<std::string> read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<std::uint64_t> to_u64(std::string_view text) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return v;
}

}  // namespace

std::optional<ProcessSample> parse_proc_stat(std::string_view stat, long ticks_per_s,
                                             long page_size, std::uint64_t boot_time_s) {
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos || ticks_per_s <= 0 || page_size <= 0)
        return std::nullopt;
    // Fields after the command, numbered as in proc(5): 3 state, 4 ppid, ... 14 utime,
    // 15 stime, 20 num_threads, 22 starttime (ticks after boot), 23 vsize (bytes), 24 rss
    // (pages).
    std::vector<std::string_view> fields;
    std::size_t at = close + 1;
    while (at < stat.size()) {
        while (at < stat.size() && (stat[at] == ' ' || stat[at] == '\n'))
            ++at;
        const auto end = stat.find_first_of(" \n", at);
        const auto stop = end == std::string_view::npos ? stat.size() : end;
        if (stop > at)
            fields.push_back(stat.substr(at, stop - at));
        at = stop;
    }
    auto field = [&](std::size_t number) -> std::optional<std::uint64_t> {
        const auto index = number - 3;  // fields[0] is field 3
        if (index >= fields.size())
            return std::nullopt;
        return to_u64(fields[index]);
    };
    const auto utime = field(14), stime = field(15), threads = field(20), start = field(22),
               vsize = field(23), rss = field(24);
    if (!utime || !stime || !threads || !start || !vsize || !rss)
        return std::nullopt;
    ProcessSample s;
    const auto ticks = static_cast<double>(ticks_per_s);
    s.cpu_seconds = static_cast<double>(*utime + *stime) / ticks;
    s.threads = *threads;
    s.start_time_seconds = static_cast<double>(boot_time_s) + static_cast<double>(*start) / ticks;
    s.virtual_memory_bytes = *vsize;
    s.resident_memory_bytes = *rss * static_cast<std::uint64_t>(page_size);
    return s;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
    std::size_t at = 0;
    while (at < proc_stat.size()) {
        const auto end = proc_stat.find('\n', at);
        const auto line =
            proc_stat.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
        if (line.substr(0, 6) == "btime ")
            return to_u64(line.substr(6));
        if (end == std::string_view::npos)
            break;
        at = end + 1;
    }
    return std::nullopt;
}

std::optional<ProcessSample> sample_process(const std::filesystem::path& proc) {
    const auto stat = read_all(proc / "self" / "stat");
    const auto system = read_all(proc / "stat");
    if (!stat || !system)
        return std::nullopt;
    const auto boot = parse_boot_time(*system);
    if (!boot)
        return std::nullopt;
    auto sample = parse_proc_stat(*stat, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE), *boot);
    if (!sample)
        return std::nullopt;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(proc / "self" / "fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++sample->open_fds;
    }
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
        sample->max_fds = limit.rlim_cur;
    return sample;
}

}  // namespace mb::adapters::observability
