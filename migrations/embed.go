// Package migrations holds the numbered SQL files that build Atlas's schema,
// embedded into the binary so a deployed atlasbot migrates itself.
//
// Files are applied in order by goose. An applied file is never edited: a
// change to the schema is a new file.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
