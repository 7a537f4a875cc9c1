//! Unpublished package that owns the examples, tests and benches of the workspace.
