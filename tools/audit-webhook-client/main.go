// audit-webhook-client delivers audit events through kube-apiserver's own audit webhook backend: the
// k8s.io/apiserver "webhook" plugin (client-go, the kubeconfig given by --audit-webhook-config-file) wrapped
// in the "buffered" batch backend with kube-apiserver's batch-mode defaults, exactly as a real API server
// sends them. kaudit's tests use it to check that a real client can deliver to kaudit and that every
// delivered event is stored once.
//
//	audit-webhook-client -kubeconfig FILE -in EVENTS.jsonl [-sent SENT.jsonl] [-batch-max-size 400] …
//
// Input: one audit.k8s.io/v1 Event (JSON) per line; lines that do not decode into an Event are counted and
// skipped. -sent writes every event as the webhook serialises it (one JSON object per line). At the end it
// prints one JSON line: {"read","undecodable","sent","delivered","failed","batches"}; it exits 1 when any
// batch failed for good (after the webhook's retries).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	auditinternal "k8s.io/apiserver/pkg/apis/audit"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"k8s.io/apiserver/pkg/audit"
	pkgwebhook "k8s.io/apiserver/pkg/util/webhook"
	"k8s.io/apiserver/plugin/pkg/audit/buffered"
	"k8s.io/apiserver/plugin/pkg/audit/webhook"
)

// counting sits between the buffered backend and the webhook: it counts what the webhook delivered (the
// server answered 2xx) and what it gave up on after its retries.
type counting struct {
	audit.Backend
	delivered, failed, batches atomic.Int64
}

func (c *counting) ProcessEvents(ev ...*auditinternal.Event) bool {
	ok := c.Backend.ProcessEvents(ev...)
	if ok {
		c.delivered.Add(int64(len(ev)))
		c.batches.Add(1)
	} else {
		c.failed.Add(int64(len(ev)))
	}
	return ok
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "webhook kubeconfig (--audit-webhook-config-file)")
	in := flag.String("in", "", "audit events, one JSON object per line")
	sent := flag.String("sent", "", "write the events as sent, one per line")
	// kube-apiserver's defaults (k8s.io/apiserver/pkg/server/options/audit.go)
	bufferSize := flag.Int("batch-buffer-size", 10000, "--audit-webhook-batch-buffer-size")
	maxSize := flag.Int("batch-max-size", 400, "--audit-webhook-batch-max-size")
	maxWait := flag.Duration("batch-max-wait", 30*time.Second, "--audit-webhook-batch-max-wait")
	throttle := flag.Bool("batch-throttle-enable", true, "--audit-webhook-batch-throttle-enable")
	qps := flag.Float64("batch-throttle-qps", 10, "--audit-webhook-batch-throttle-qps")
	burst := flag.Int("batch-throttle-burst", 15, "--audit-webhook-batch-throttle-burst")
	backoff := flag.Duration("initial-backoff", webhook.DefaultInitialBackoffDelay, "--audit-webhook-initial-backoff")
	flag.Parse()
	if *kubeconfig == "" || *in == "" {
		flag.Usage()
		os.Exit(2)
	}

	events, read, undecodable, err := readEvents(*in)
	if err != nil {
		fail(err)
	}
	if *sent != "" {
		if err := writeSent(*sent, events); err != nil {
			fail(err)
		}
	}

	delegate, err := webhook.NewBackend(*kubeconfig, auditv1.SchemeGroupVersion, pkgwebhook.DefaultRetryBackoffWithInitialDelay(*backoff), nil)
	if err != nil {
		fail(err)
	}
	counted := &counting{Backend: delegate}
	backend := buffered.NewBackend(counted, buffered.BatchConfig{
		BufferSize:     *bufferSize,
		MaxBatchSize:   *maxSize,
		MaxBatchWait:   *maxWait,
		ThrottleEnable: *throttle,
		ThrottleQPS:    float32(*qps),
		ThrottleBurst:  *burst,
		AsyncDelegate:  true,
	})
	stop := make(chan struct{})
	if err := backend.Run(stop); err != nil {
		fail(err)
	}
	for _, e := range events {
		backend.ProcessEvents(e)
	}
	// Shutdown sends what is buffered and waits for every batch in flight, as kube-apiserver does on exit.
	close(stop)
	backend.Shutdown()

	report := map[string]int64{
		"read": int64(read), "undecodable": int64(undecodable), "sent": int64(len(events)),
		"delivered": counted.delivered.Load(), "failed": counted.failed.Load(), "batches": counted.batches.Load(),
	}
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
	if counted.failed.Load() > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "audit-webhook-client:", err)
	os.Exit(1)
}

// readEvents decodes each line into an audit.k8s.io/v1 Event and converts it to the internal type the
// backends take, as the API server holds it.
func readEvents(file string) ([]*auditinternal.Event, int, int, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	var events []*auditinternal.Event
	read, undecodable := 0, 0
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 0, 1024*1024), 64*1024*1024)
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(line) == 0 {
			continue
		}
		read++
		var v1 auditv1.Event
		err := json.Unmarshal(line, &v1)
		var internal auditinternal.Event
		if err == nil {
			err = audit.Scheme.Convert(&v1, &internal, nil)
		}
		if err != nil {
			// what a real API server could never hold (a field of the wrong type, a time that is no time)
			undecodable++
			fmt.Fprintf(os.Stderr, "line %d: not an audit.k8s.io/v1 Event: %v\n", read, err)
			continue
		}
		events = append(events, &internal)
	}
	return events, read, undecodable, scanner.Err()
}

// writeSent serialises the events as the webhook does (an audit.k8s.io/v1 EventList through the audit
// scheme's codec) and writes its items one per line.
func writeSent(file string, events []*auditinternal.Event) error {
	list := &auditinternal.EventList{}
	for _, e := range events {
		list.Items = append(list.Items, *e)
	}
	codec := audit.Codecs.LegacyCodec(schema.GroupVersion{Group: auditv1.GroupName, Version: "v1"})
	data, err := runtime.Encode(codec, list)
	if err != nil {
		return err
	}
	var decoded struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &decoded); err != nil {
		return err
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for _, item := range decoded.Items {
		w.Write(item)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Close()
}
