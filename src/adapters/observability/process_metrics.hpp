#pragma once
// The process collector prometheus-cpp does not have: the standard process_* series of the
// Prometheus client libraries (client_golang's names and units), read from Linux's /proc.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace mb::adapters::observability {

struct ProcessSample {
    std::uint64_t resident_memory_bytes = 0;  ///< process_resident_memory_bytes
    std::uint64_t virtual_memory_bytes = 0;   ///< process_virtual_memory_bytes
    double cpu_seconds = 0;                   ///< process_cpu_seconds_total (user + system)
    std::uint64_t threads = 0;                ///< process_threads
    double start_time_seconds = 0;  ///< process_start_time_seconds (Unix time, seconds)
    std::uint64_t open_fds = 0;     ///< process_open_fds
    std::uint64_t max_fds = 0;      ///< process_max_fds (the soft RLIMIT_NOFILE)
};

/// Fields of /proc/<pid>/stat (proc(5)) as a sample, given the kernel's clock ticks per second,
/// the page size in bytes and the boot time (Unix seconds, /proc/stat "btime"). The command
/// field may hold spaces and parentheses: parsing starts after its last ')'. nullopt when the
/// text does not have the fields (then nothing is reported rather than zeros).
[[nodiscard]] std::optional<ProcessSample> parse_proc_stat(std::string_view stat, long ticks_per_s,
                                                           long page_size,
                                                           std::uint64_t boot_time_s);

/// The "btime" line of /proc/stat, or nullopt.
[[nodiscard]] std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

/// Reads this process's sample from `proc` (default /proc; a directory laid out like it for
/// tests): <proc>/self/stat, <proc>/stat, the entries of <proc>/self/fd and getrlimit.
/// nullopt when /proc cannot be read (not Linux, or mounted without it). Thread-safe.
[[nodiscard]] std::optional<ProcessSample> sample_process(
    const std::filesystem::path& proc = "/proc");

}  // namespace mb::adapters::observability
