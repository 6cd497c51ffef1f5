//! The configuration, one idea with one home: its sections as the file has them
//! ([`sections`]), the layers they are read from — file, environment, flags — with where
//! each value came from ([`layers`]), the secrets of the environment ([`secrets`]), the
//! check of every value into what each library takes ([`check`]), and all of it resolved
//! for a command ([`resolve`]).

pub mod check;
pub mod layers;
pub mod resolve;
pub mod secrets;
pub mod sections;
