//! Kernel families.
