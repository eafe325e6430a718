//! record (under construction).
