// The size and range limits of limits.hpp, checked on the parsed config
// (the JSON nesting depth and the per-string rules are checked while
// parsing: parse.cpp, json_read.hpp).
#include "oci/limits.hpp"
#include "oci/validate_detail.hpp"

namespace oci::detail {

namespace {

void check_size(const Checker& c, const std::string& s, size_t max, const std::string& path) {
    if (s.size() > max)
        c.fail(path, "must be at most " + std::to_string(max) + " bytes, has " + std::to_string(s.size()));
}

void check_path(const Checker& c, const std::string& s, const std::string& path) {
    check_size(c, s, limits::path_bytes, path);
}

// What execve(2) takes: each string under MAX_ARG_STRLEN, all together
// under limits::exec_total_bytes.
void check_exec_strings(const Checker& c, const std::vector<std::string>& args,
                        const std::vector<std::string>& env, const std::string& path) {
    size_t total = 0;
    auto each = [&](const std::vector<std::string>& v, const char* key) {
        for (size_t i = 0; i < v.size(); ++i) {
            check_size(c, v[i], limits::exec_string_bytes, at(sub(path, key), i));
            total += v[i].size() + 1;
        }
    };
    each(args, "args");
    each(env, "env");
    if (total > limits::exec_total_bytes)
        c.fail(path, "args and env together must be at most " + std::to_string(limits::exec_total_bytes) +
                         " bytes, have " + std::to_string(total));
}

void check_id(const Checker& c, uint32_t id, const std::string& path) {
    if (id > limits::max_id) c.fail(path, limits::id_range_message);
}

}  // namespace

void check_process_limits(const Checker& c, const Process& p, const std::string& path) {
    // config.md "POSIX-platform User": (uid_t)-1 would mean "unchanged" to
    // setresuid(2) and leave the process root.
    const std::string user = sub(path, "user");
    check_id(c, p.user.uid, sub(user, "uid"));
    check_id(c, p.user.gid, sub(user, "gid"));
    for (size_t i = 0; i < p.user.additionalGids.size(); ++i)
        check_id(c, p.user.additionalGids[i], at(sub(user, "additionalGids"), i));
    check_path(c, p.cwd, sub(path, "cwd"));
    // args[0] is a file name for execve(2) (ENAMETOOLONG beyond PATH_MAX);
    // it is also quoted whole in runc's "exec: ...: not found" wording.
    if (!p.args.empty()) check_path(c, p.args[0], at(sub(path, "args"), 0));
    check_exec_strings(c, p.args, p.env, path);
}

void check_hook_limits(const Checker& c, const Hook& hook, const std::string& path) {
    check_path(c, hook.path, sub(path, "path"));
    check_exec_strings(c, hook.args, hook.env, path);
}

void check_config_limits(const Checker& c, const Config& cfg) {
    // sethostname(2), setdomainname(2): __NEW_UTS_LEN.
    if (cfg.hostname) check_size(c, *cfg.hostname, limits::uts_name_bytes, "hostname");
    if (cfg.domainname) check_size(c, *cfg.domainname, limits::uts_name_bytes, "domainname");
    check_path(c, cfg.root.path, "root.path");
    for (size_t i = 0; i < cfg.mounts.size(); ++i) {
        const std::string p = at("mounts", i);
        check_path(c, cfg.mounts[i].destination, sub(p, "destination"));
        if (cfg.mounts[i].source) check_path(c, *cfg.mounts[i].source, sub(p, "source"));
    }
    size_t total = 0;
    for (const auto& [key, value] : cfg.annotations) {
        check_size(c, key, limits::annotation_key_bytes, key_at("annotations", key));
        total += key.size() + value.size();
    }
    if (total > limits::annotations_total_bytes)
        c.fail("annotations", "keys and values together must be at most " +
                                  std::to_string(limits::annotations_total_bytes) + " bytes, have " +
                                  std::to_string(total));
}

}  // namespace oci::detail
