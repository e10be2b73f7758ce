//! The Call handle.
