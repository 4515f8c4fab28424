package portal

// SniffType is the content type a file is stored with, from its first
// bytes and its (cleaned) name; ok is false for a kind of file the portal
// does not take (a program, a script), whatever it claims to be. The
// inbox (internal/inbox) keeps emailed attachments by the same rule.
func SniffType(name string, head []byte) (contentType string, ok bool) {
	return sniffType(name, head)
}

// NewStorageKey is a random storage key for a new file, never derived
// from its name.
func NewStorageKey() string { return newStorageKey() }
