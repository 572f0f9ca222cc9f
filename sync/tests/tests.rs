//! Sync's integration tests: the merge laws and convergence, as property tests.

mod convergence;
