package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// File is one upload through Slack's v2 flow: files.getUploadURLExternal
// reserves it, the client POSTs the bytes to the upload URL, and
// files.completeUploadExternal shares it.
type File struct {
	ID       string
	Name     string // filename given to files.getUploadURLExternal
	Length   int    // length declared to files.getUploadURLExternal
	Content  []byte // bytes POSTed to the upload URL (nil until uploaded)
	Uploaded bool
	// UploadToken is the bearer token the upload POST carried.
	UploadToken string

	Completed      bool
	Title          string
	ChannelID      string // channel_id, or the first of channels
	InitialComment string
	ThreadTS       string
	CompletedAt    time.Time
}

// Files returns every file reserved so far, in reservation order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.fileOrder))
	for _, id := range s.fileOrder {
		out = append(out, s.files[id].clone())
	}
	return out
}

// File returns the file with the given id.
func (s *Server) File(id string) (File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok {
		return File{}, false
	}
	return f.clone(), true
}

func (f *File) clone() File {
	c := *f
	c.Content = bytes.Clone(f.Content)
	return c
}

func (s *Server) filesGetUploadURLExternal(r apiRequest) (result, string) {
	name := r.param("filename")
	length, err := strconv.Atoi(r.param("length"))
	if name == "" || err != nil || length <= 0 {
		return nil, "invalid_arguments"
	}
	id := s.nextIDLocked("F")
	s.files[id] = &File{ID: id, Name: name, Length: length}
	s.fileOrder = append(s.fileOrder, id)
	// The upload URL must share scheme and host with the API URL: slack-go only
	// sends the token to Slack domains or the configured API host.
	return result{"upload_url": r.baseURL + "/upload/v1/" + id, "file_id": id}, ""
}

func (s *Server) filesCompleteUploadExternal(r apiRequest) (result, string) {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if json.Unmarshal([]byte(r.param("files")), &summaries) != nil || len(summaries) == 0 {
		return nil, "invalid_arguments"
	}
	for _, fs := range summaries {
		if _, ok := s.files[fs.ID]; !ok {
			return nil, "file_not_found"
		}
	}
	channel := r.param("channel_id")
	if channel == "" {
		if chs := splitNonEmpty(r.param("channels")); len(chs) > 0 {
			channel = chs[0]
		}
	}
	out := make([]map[string]string, 0, len(summaries))
	for _, fs := range summaries {
		f := s.files[fs.ID]
		f.Completed = true
		f.Title = fs.Title
		if f.Title == "" {
			f.Title = f.Name
		}
		f.ChannelID = channel
		f.InitialComment = r.param("initial_comment")
		f.ThreadTS = r.param("thread_ts")
		f.CompletedAt = time.Now()
		out = append(out, map[string]string{"id": f.ID, "title": f.Title})
	}
	return result{"files": out}, ""
}

// handleUpload receives the bytes for a reserved file. slack-go sends them as
// multipart/form-data in a "file" part; other clients send the raw body, which
// Slack also accepts. Slack answers with a short text body, not JSON.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	content, err := uploadedBytes(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	f, ok := s.files[id]
	if ok {
		f.Content = content
		f.Uploaded = true
		f.UploadToken, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.notifyLocked()
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "OK - %d", len(content))
}

func uploadedBytes(r *http.Request) ([]byte, error) {
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType != "multipart/form-data" {
		return io.ReadAll(r.Body)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, fmt.Errorf("multipart upload has no file part")
		}
		if err != nil {
			return nil, err
		}
		if part.FileName() != "" || part.FormName() == "file" {
			return io.ReadAll(part)
		}
	}
}
