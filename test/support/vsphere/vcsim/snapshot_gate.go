// The snapshot gate: makes CreateSnapshot_Task behave as on real vSphere, where the call returns a running task
// at once and the snapshot appears when the task ends. govmomi 0.24.2 runs every task inside the call that
// starts it (its DelayConfig only delays the call itself, before anything exists), so a client could never be
// interrupted while a snapshot task runs. With the gate on, each CreateSnapshot_Task is answered with a task in
// state running that takes the snapshot only when the test releases it (POST /vcsim-control/release): a test can
// kill the client mid-task deterministically, without timing guesses.
//
// GET /vcsim-control/held reports every gated task with how many distinct sessions have read it, so a test can
// wait until a restarted client waits on the task it recorded (a new session polling an old task) before
// releasing. Test-only: the gated call and the control endpoints do not check the caller's session.
package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io/ioutil"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

const sessionCookie = "vmware_soap_session"

type heldTask struct {
	task     types.ManagedObjectReference
	vm       string
	name     string
	released bool
	sessions map[string]bool
}

type snapshotGate struct {
	mu      sync.Mutex
	held    []*heldTask
	open    chan struct{} // closed by release; replaced by a fresh one for tasks started later
	creates int
}

func newSnapshotGate() *snapshotGate {
	return &snapshotGate{open: make(chan struct{})}
}

// wrap answers CreateSnapshot_Task itself and passes everything else to the simulator, noting which sessions
// read a held task.
func (g *snapshotGate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/sdk" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := ioutil.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.Body = ioutil.NopCloser(bytes.NewReader(body))
		text := string(body)
		if strings.Contains(text, "CreateSnapshot_Task") {
			if ref, ok := g.startHeld(body); ok {
				writeTaskResponse(w, ref)
				return
			}
		}
		g.notePolls(r, text)
		next.ServeHTTP(w, r)
	})
}

// startHeld creates a running task that takes the snapshot once the gate opens; false when the body is not a
// CreateSnapshot_Task on a known VM (the simulator then answers it, with its own fault).
func (g *snapshotGate) startHeld(body []byte) (types.ManagedObjectReference, bool) {
	method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
	if err != nil || method.Name != "CreateSnapshot_Task" {
		return types.ManagedObjectReference{}, false
	}
	req, ok := method.Body.(*types.CreateSnapshot_Task)
	if !ok {
		return types.ManagedObjectReference{}, false
	}
	vm, ok := simulator.Map.Get(method.This).(*simulator.VirtualMachine)
	if !ok {
		return types.ManagedObjectReference{}, false
	}
	task := simulator.CreateTask(vm, "createSnapshot", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		// The simulator's own implementation, under the VM's lock as its dispatcher would hold it.
		var res *methods.CreateSnapshot_TaskBody
		simulator.Map.WithLock(vm, func() {
			res, _ = vm.CreateSnapshotTask(req).(*methods.CreateSnapshot_TaskBody)
		})
		if res == nil || res.Res == nil {
			return nil, &types.RuntimeFault{}
		}
		inner, ok := simulator.Map.Get(res.Res.Returnval).(*simulator.Task)
		if !ok {
			return nil, &types.RuntimeFault{}
		}
		if inner.Info.Error != nil {
			return nil, inner.Info.Error.Fault
		}
		return inner.Info.Result, nil
	})
	simulator.Map.WithLock(task, func() {
		simulator.Map.Update(task, []types.PropertyChange{
			{Name: "info.startTime", Val: time.Now()},
			{Name: "info.state", Val: types.TaskInfoStateRunning},
		})
	})

	g.mu.Lock()
	held := &heldTask{task: task.Self, vm: method.This.Value, name: req.Name, sessions: map[string]bool{}}
	g.held = append(g.held, held)
	g.creates++
	open := g.open
	g.mu.Unlock()

	go func() {
		<-open
		simulator.Map.WithLock(task, func() { task.Run() })
	}()
	return task.Self, true
}

// notePolls records the session of a request that names a held task (RetrieveProperties on its info).
func (g *snapshotGate) notePolls(r *http.Request, text string) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, held := range g.held {
		if strings.Contains(text, ">"+held.task.Value+"<") {
			held.sessions[cookie.Value] = true
		}
	}
}

func (g *snapshotGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, held := range g.held {
		held.released = true
	}
	close(g.open)
	g.open = make(chan struct{})
}

type heldReport struct {
	Task     string `json:"task"`
	VM       string `json:"vm"`
	Name     string `json:"name"`
	Released bool   `json:"released"`
	// Distinct sessions that have read the task (the session ids themselves are not reported).
	PollingSessions int `json:"pollingSessions"`
}

type gateReport struct {
	// CreateSnapshot_Task calls answered by the gate.
	Creates int          `json:"creates"`
	Held    []heldReport `json:"held"`
}

func (g *snapshotGate) report() gateReport {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := gateReport{Creates: g.creates, Held: []heldReport{}}
	for _, held := range g.held {
		out.Held = append(out.Held, heldReport{
			Task: held.task.Value, VM: held.vm, Name: held.name, Released: held.released,
			PollingSessions: len(held.sessions),
		})
	}
	return out
}

// register adds the control endpoints to the simulator's mux (before the server starts).
func (g *snapshotGate) register(service *simulator.Service) {
	service.HandleFunc("/vcsim-control/held", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(g.report()); err != nil {
			log.Printf("vcsim: held report: %v", err)
		}
	})
	service.HandleFunc("/vcsim-control/release", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		g.release()
		w.WriteHeader(http.StatusNoContent)
	})
}

// writeTaskResponse answers like the simulator does: the task's moref in CreateSnapshot_TaskResponse.
func writeTaskResponse(w http.ResponseWriter, task types.ManagedObjectReference) {
	var value bytes.Buffer
	_ = xml.EscapeText(&value, []byte(task.Value))
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ` +
		`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>` +
		`<CreateSnapshot_TaskResponse xmlns="urn:vim25"><returnval type="Task">` + value.String() +
		`</returnval></CreateSnapshot_TaskResponse></soapenv:Body></soapenv:Envelope>`))
}
