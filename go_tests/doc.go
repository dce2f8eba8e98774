// Package go_tests holds integration tests that span golib packages: the
// import-direction check (DESIGN.md's pipeline order) and end-to-end engine
// runs from wire plans.
package go_tests
