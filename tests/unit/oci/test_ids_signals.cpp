// Container ids and signal names.
#include <doctest/doctest.h>

#include <csignal>

#include "oci/container_id.hpp"
#include "oci/signals.hpp"

TEST_CASE("container id: valid ids") {
    for (const char* id : {"a", "c1", "my-container", "my_container", "my.container", "a+b", "ABC123", "...", "-x"})
        CHECK(oci::container_id_problem(id) == "");
    CHECK(oci::container_id_problem(std::string(1024, 'a')) == "");
}

TEST_CASE("container id: invalid ids") {
    CHECK(oci::container_id_problem("") == "must not be empty");
    CHECK(oci::container_id_problem(std::string(1025, 'a')) == "must be at most 1024 characters");
    CHECK(oci::container_id_problem(".") == "must not be \".\" or \"..\"");
    CHECK(oci::container_id_problem("..") == "must not be \".\" or \"..\"");
    CHECK(oci::container_id_problem("a/b") == "invalid character '/' (allowed: letters, digits, '_', '+', '-', '.')");
    CHECK(oci::container_id_problem("a b") == "invalid character ' ' (allowed: letters, digits, '_', '+', '-', '.')");
    CHECK(oci::container_id_problem("a,b") == "invalid character ',' (allowed: letters, digits, '_', '+', '-', '.')");
    CHECK(oci::container_id_problem("a\nb") == "invalid character '\\x0a' (allowed: letters, digits, '_', '+', '-', '.')");
    CHECK(oci::container_id_problem("\xc3\xa9") == "invalid character '\\xc3' (allowed: letters, digits, '_', '+', '-', '.')");
}

TEST_CASE("signals: names with and without SIG, any case") {
    CHECK(oci::parse_signal("KILL") == SIGKILL);
    CHECK(oci::parse_signal("SIGKILL") == SIGKILL);
    CHECK(oci::parse_signal("sigkill") == SIGKILL);
    CHECK(oci::parse_signal("term") == SIGTERM);
    CHECK(oci::parse_signal("SigHup") == SIGHUP);
    CHECK(oci::parse_signal("USR1") == SIGUSR1);
    CHECK(oci::parse_signal("SIGWINCH") == SIGWINCH);
    CHECK(oci::parse_signal("CHLD") == SIGCHLD);
    CHECK(oci::parse_signal("PWR") == SIGPWR);
    CHECK(oci::parse_signal("SYS") == SIGSYS);
}

TEST_CASE("signals: numbers 1..64") {
    CHECK(oci::parse_signal("9") == 9);
    CHECK(oci::parse_signal("1") == 1);
    CHECK(oci::parse_signal("64") == 64);
    CHECK_FALSE(oci::parse_signal("0"));
    CHECK_FALSE(oci::parse_signal("65"));
    CHECK_FALSE(oci::parse_signal("-9"));
    CHECK_FALSE(oci::parse_signal("100"));
    CHECK_FALSE(oci::parse_signal("9x"));
}

TEST_CASE("signals: real-time signals") {
    CHECK(oci::parse_signal("SIGRTMIN") == SIGRTMIN);
    CHECK(oci::parse_signal("RTMIN+3") == SIGRTMIN + 3);
    CHECK(oci::parse_signal("sigrtmax") == SIGRTMAX);
    CHECK(oci::parse_signal("SIGRTMAX-2") == SIGRTMAX - 2);
    CHECK(oci::parse_signal("RTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN)) == SIGRTMAX);
    CHECK_FALSE(oci::parse_signal("RTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN + 1)));
    CHECK_FALSE(oci::parse_signal("RTMAX+1"));
    CHECK_FALSE(oci::parse_signal("RTMIN-1"));
    CHECK_FALSE(oci::parse_signal("RTMIN+"));
}

TEST_CASE("signals: unknown names") {
    CHECK_FALSE(oci::parse_signal(""));
    CHECK_FALSE(oci::parse_signal("SIG"));
    CHECK_FALSE(oci::parse_signal("FOO"));
    CHECK_FALSE(oci::parse_signal("SIGSIGKILL"));
    CHECK_FALSE(oci::parse_signal(" KILL"));
}
