package portal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/atlas-practice/atlas/internal/db"
)

// Blobs stores documents' bytes by storage key. q is the transaction
// that records the document: a store in the database (PGBlobs) writes in
// it, so a rolled-back upload leaves nothing; a store elsewhere (S3)
// ignores it and leaves an unreferenced object to be swept.
type Blobs interface {
	Put(ctx context.Context, q db.DB, key string, data []byte) error
	Get(ctx context.Context, q db.DB, key string) ([]byte, error)
	Delete(ctx context.Context, q db.DB, key string) error
}

// ErrNoBlob is a key with no bytes stored.
var ErrNoBlob = errors.New("portal: no such stored file")

// PGBlobs keeps the bytes in document_blobs.
type PGBlobs struct{}

// Put stores data under key.
func (PGBlobs) Put(ctx context.Context, q db.DB, key string, data []byte) error {
	if _, err := q.Exec(ctx, `INSERT INTO document_blobs (storage_key, data) VALUES ($1, $2)`, key, data); err != nil {
		return fmt.Errorf("portal: store %s: %w", key, err)
	}
	return nil
}

// Get reads the bytes under key.
func (PGBlobs) Get(ctx context.Context, q db.DB, key string) ([]byte, error) {
	var data []byte
	err := q.QueryRow(ctx, `SELECT data FROM document_blobs WHERE storage_key = $1`, key).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoBlob
	}
	if err != nil {
		return nil, fmt.Errorf("portal: read %s: %w", key, err)
	}
	return data, nil
}

// Delete removes the bytes under key; a missing key is no error.
func (PGBlobs) Delete(ctx context.Context, q db.DB, key string) error {
	if _, err := q.Exec(ctx, `DELETE FROM document_blobs WHERE storage_key = $1`, key); err != nil {
		return fmt.Errorf("portal: delete %s: %w", key, err)
	}
	return nil
}

// newStorageKey is a random key for a new file, never derived from its
// name: "doc/3f9c…" (128 random bits).
func newStorageKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "doc/" + hex.EncodeToString(b)
}
