package inbox

import (
	"os"
	"testing"

	"github.com/atlas-practice/atlas/internal/pgtest"
)

// TestMain drops the databases these tests made once they are over.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
