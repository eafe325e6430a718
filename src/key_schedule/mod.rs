//! key_schedule (under construction).
