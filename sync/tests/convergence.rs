//! The merge laws and convergence on `MemLog`, the reference replica. The properties are
//! `medicloud-testkit`'s, and run as well on the node's store and both cloud engines.

use medicloud_testkit::convergence::MemLogs;
use medicloud_testkit::proptest::test_runner::Config;

medicloud_testkit::convergence_tests!(Some(MemLogs), Config::default());
