package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
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
	// ShareTS is the ts of the file's share in ChannelID (in the thread
	// ThreadTS, if any), as files.info's shares give it; "" until shared.
	ShareTS string

	// User is who uploaded it: a person for a file added with AddFile,
	// empty for the bot's own uploads.
	User string
	// Downloads counts the fetches of its url_private_download (or
	// url_private) that carried a good token.
	Downloads int
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

// AddFile stores a file as a person (user) uploaded it to Slack and shared
// it in channel: complete, with its bytes, so that files.info describes it
// and its url_private_download serves them to a bearer of the bot token.
// Put FileObject(f.ID) in a message's "files" to send it in a payload, as
// Slack does in a message_action.
func (s *Server) AddFile(user, channel, name string, content []byte) File {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextIDLocked("F")
	f := &File{ID: id, Name: name, Title: name, Length: len(content), Content: bytes.Clone(content), Uploaded: true,
		Completed: true, ChannelID: channel, CompletedAt: time.Now(), ShareTS: s.nextTSLocked(), User: user}
	s.files[id] = f
	s.fileOrder = append(s.fileOrder, id)
	s.notifyLocked()
	return f.clone()
}

// FileObject is the file with the given id as files.info and a message's
// "files" describe it; nil for an id the fake does not know.
func (s *Server) FileObject(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok {
		return nil
	}
	return s.fileObjectLocked(f, s.url)
}

// fileObjectLocked renders f the way files.info does (the subset slack-go
// and the bot read), its URLs on base.
func (s *Server) fileObjectLocked(f *File, base string) map[string]any {
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(f.Name)), ".")
	mimetype := mime.TypeByExtension(path.Ext(f.Name))
	if mimetype == "" {
		mimetype = "application/octet-stream"
	}
	user := f.User
	if user == "" {
		user = BotUserID
	}
	private := base + "/files-pri/" + TeamID + "-" + f.ID + "/" + url.PathEscape(f.Name)
	obj := map[string]any{
		"id": f.ID, "name": f.Name, "title": f.Title, "mimetype": mimetype, "filetype": ext, "pretty_type": strings.ToUpper(ext),
		"user": user, "size": len(f.Content), "mode": "hosted", "is_external": false, "is_public": true,
		"created": f.CompletedAt.Unix(), "timestamp": f.CompletedAt.Unix(),
		"url_private":          private,
		"url_private_download": base + "/files-pri/" + TeamID + "-" + f.ID + "/download/" + url.PathEscape(f.Name),
	}
	if f.ChannelID != "" {
		obj["channels"] = []string{f.ChannelID}
	}
	if f.Completed && f.ChannelID != "" {
		obj["shares"] = sharesOf(f)
	}
	return obj
}

// sharesOf is files.info's "shares" for a shared file: under "public" for
// a public channel (C…), "private" for a private channel or a DM, the
// channel's id holds one share per message the file went out in — the
// fake's files go out once — with its ts, and its thread's for a file
// sent into a thread. A file reserved or uploaded and never completed has
// no shares: it is nowhere to be seen.
func sharesOf(f *File) map[string]any {
	share := map[string]any{"ts": f.ShareTS, "channel_name": strings.ToLower(f.ChannelID), "team_id": TeamID,
		"reply_users": []string{}, "reply_users_count": 0, "reply_count": 0}
	if f.ThreadTS != "" {
		share["thread_ts"] = f.ThreadTS
	}
	kind := "private"
	if strings.HasPrefix(f.ChannelID, "C") {
		kind = "public"
	}
	return map[string]any{kind: map[string]any{f.ChannelID: []any{share}}}
}

// DeleteFile forgets the file with the given id, as Slack does with a
// deleted file or with an upload never completed in time: files.info and
// files.completeUploadExternal then answer file_not_found. It reports
// whether there was such a file.
func (s *Server) DeleteFile(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[id]; !ok {
		return false
	}
	delete(s.files, id)
	for i, fid := range s.fileOrder {
		if fid == id {
			s.fileOrder = append(s.fileOrder[:i:i], s.fileOrder[i+1:]...)
			break
		}
	}
	s.notifyLocked()
	return true
}

// filesInfo describes a file that has its bytes; one reserved but never
// uploaded is not found, as on Slack.
func (s *Server) filesInfo(r apiRequest) (result, string) {
	f, ok := s.files[r.param("file")]
	if !ok || !f.Uploaded {
		return nil, "file_not_found"
	}
	return result{"file": s.fileObjectLocked(f, r.baseURL), "comments": []any{},
		"response_metadata": map[string]string{"next_cursor": ""}}, ""
}

// handleFileDownload serves a file's bytes at its url_private(_download)
// to a bearer of the bot token (any bot token without WithBotToken).
// Without one it refuses with 403 (Slack serves its sign-in page, which
// is no file either).
func (s *Server) handleFileDownload(w http.ResponseWriter, r *http.Request) {
	// /files-pri/<team>-<file id>/[download/]<name>
	rest := strings.TrimPrefix(r.URL.Path, "/files-pri/")
	teamFile, _, _ := strings.Cut(rest, "/")
	id := strings.TrimPrefix(teamFile, TeamID+"-")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	f, ok := s.files[id]
	good := tok != "" && !strings.HasPrefix(tok, "xapp-") && (s.botToken == "" || tok == s.botToken)
	found := ok && f.Uploaded
	var content []byte
	if found && good {
		f.Downloads++
		content = bytes.Clone(f.Content)
		s.notifyLocked()
	}
	s.mu.Unlock()
	switch {
	case !found:
		http.NotFound(w, r)
	case !good:
		http.Error(w, "fetching a file needs \"Authorization: Bearer <bot token>\"", http.StatusForbidden)
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		_, _ = w.Write(content)
	}
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
		f.ShareTS = s.nextTSLocked()
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

// filesList lists the shared files, newest first, a page at a time (count,
// page), as Slack's files.list does, narrowed by channel, user, created
// time (ts_from and ts_to, whole seconds, inclusive) and types. Files
// reserved but never shared are not listed.
func (s *Server) filesList(r apiRequest) (result, string) {
	from, to := int64(0), int64(-1)
	for _, b := range []struct {
		arg string
		to  *int64
	}{{"ts_from", &from}, {"ts_to", &to}} {
		if v := r.param(b.arg); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, "invalid_arguments"
			}
			*b.to = n
		}
	}
	count, page := 100, 1
	for _, b := range []struct {
		arg string
		to  *int
	}{{"count", &count}, {"page", &page}} {
		if v := r.param(b.arg); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, "invalid_arguments"
			}
			*b.to = n
		}
	}
	count = min(count, 1000)
	types := splitNonEmpty(r.param("types"))
	var match []*File
	for i := len(s.fileOrder) - 1; i >= 0; i-- {
		f := s.files[s.fileOrder[i]]
		created := f.CompletedAt.Unix()
		user := f.User
		if user == "" {
			user = BotUserID
		}
		switch {
		case !f.Completed,
			r.param("channel") != "" && f.ChannelID != r.param("channel"),
			r.param("user") != "" && user != r.param("user"),
			created < from, to >= 0 && created > to,
			!fileOfTypes(f, types):
			continue
		}
		match = append(match, f)
	}
	pages := max((len(match)+count-1)/count, 1)
	start := min((page-1)*count, len(match))
	end := min(start+count, len(match))
	out := make([]map[string]any, 0, end-start)
	for _, f := range match[start:end] {
		out = append(out, s.fileObjectLocked(f, r.baseURL))
	}
	return result{"files": out, "paging": map[string]int{"count": count, "total": len(match), "page": page, "pages": pages}}, ""
}

// fileOfTypes reports whether f is of one of files.list's types ("all",
// "images", "pdfs", "zips", ...); no types means all. The fake's files are
// never spaces, snippets or Google docs.
func fileOfTypes(f *File, types []string) bool {
	if len(types) == 0 {
		return true
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(f.Name)), ".")
	for _, t := range types {
		switch {
		case t == "all",
			t == "pdfs" && ext == "pdf",
			t == "zips" && ext == "zip",
			t == "images" && strings.HasPrefix(mime.TypeByExtension("."+ext), "image/"):
			return true
		}
	}
	return false
}
