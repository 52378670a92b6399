//! Integration tests of qinglian-lottery: one binary, modules per topic. The shared vectors
//! are read from `../shared/vectors` at test time only.

mod beacon;
mod common;
mod examples;
mod golden;
mod me;
mod offers;
mod parsers;
mod props;
mod published;
mod tamper;
mod timing;
