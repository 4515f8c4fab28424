package config

import "log/slog"

// Secret is a configuration value that must never be printed or logged: its
// String, GoString, JSON and slog forms are all masked. Reveal gives the
// value to the code that needs it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String masks the secret.
func (s Secret) String() string { return s.Masked() }

// GoString masks the secret in %#v.
func (s Secret) GoString() string { return s.Masked() }

// LogValue masks the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.Masked()) }

// MarshalText masks the secret in JSON and other encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.Masked()), nil }

// Masked shows whether a secret is set and, for tokens, their kind: "xoxb-…"
// tells an operator which token is which without revealing it.
func (s Secret) Masked() string {
	switch {
	case s == "":
		return "(not set)"
	case len(s) > 12 && s[0] == 'x' && s[4] == '-':
		return string(s[:5]) + "…" + redacted
	default:
		return redacted
	}
}
