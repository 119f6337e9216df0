//! placeholder
/// s
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /** x */
    Init,
}
