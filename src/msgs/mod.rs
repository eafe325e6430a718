//! msgs (under construction).
