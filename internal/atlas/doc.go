// Package atlas holds the vocabulary every other package shares: error codes
// with user-safe messages, roles, identifiers, months and the clock.
//
// It is pure: it imports no other package of this module, so everything can
// depend on it without cycles.
package atlas
