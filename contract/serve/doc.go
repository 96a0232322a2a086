// Package serve is what `contractcheck serve` serves: Mock, the recorded
// answers of a set of recordings as a mock of the API, and Checked, a
// middleware that judges every answer of any handler (the mock, the fake
// Atlas of package atlastest, your own) against the spec, so a violation is
// seen where it happens.
package serve
