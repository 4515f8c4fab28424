package slackapp

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

// Files reads a file_input's uploads from the view state, as Slack sends
// them; another block, or no state, has none.
func TestRequestFiles(t *testing.T) {
	t.Parallel()
	var cb slack.InteractionCallback
	raw := `{"type":"view_submission","view":{"id":"V1","type":"modal","state":{"values":{
		"files":{"x":{"type":"file_input","files":[{"id":"F01","name":"a.pdf"},{"id":"F02"}]}},
		"other":{"x":{"type":"plain_text_input","value":"hi"}}}}}}`
	if err := json.Unmarshal([]byte(raw), &cb); err != nil {
		t.Fatal(err)
	}
	r := &Request{Interaction: &cb}
	if got := r.Files("files"); !slices.Equal(got, []string{"F01", "F02"}) {
		t.Errorf("files: %v", got)
	}
	if got := r.Files("other"); got != nil {
		t.Errorf("other: %v", got)
	}
	if got := (&Request{}).Files("files"); got != nil {
		t.Errorf("no state: %v", got)
	}
}
