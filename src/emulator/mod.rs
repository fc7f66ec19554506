//! The local Cloud Assistant emulator.
