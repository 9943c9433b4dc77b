// Streams chat answers: posts the form to its /stream twin and shows the Server-Sent
// Events as they arrive. Without this script the form posts normally and the server
// renders the whole answer, so nothing depends on it.
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  if (!form || !window.fetch || !window.TextDecoder || !window.FormData) return;
  var answer = document.getElementById("answer");
  var status = document.getElementById("status");
  var conversation = document.getElementById("conversation_id");

  function handle(name, data) {
    if (name === "intent") {
      status.textContent = "Working on: " + data.intent + "…";
      conversation.value = data.conversation_id || conversation.value;
      answer.textContent = "";
    } else if (name === "delta") {
      answer.appendChild(document.createTextNode(data.text));
    } else if (name === "final") {
      answer.innerHTML = data.html; // rendered by the server; raw HTML in Markdown is escaped
      conversation.value = data.conversation_id;
      status.textContent = "Done.";
    } else if (name === "error") {
      status.textContent = "Error: " + data.message + (data.hint ? " " + data.hint : "");
    }
  }

  function parse(block) {
    var name = "message", lines = [];
    block.split(/\r?\n/).forEach(function (line) {
      if (line.indexOf("event:") === 0) name = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) lines.push(line.slice(5).replace(/^ /, ""));
    });
    if (lines.length) handle(name, JSON.parse(lines.join("\n")));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form, event.submitter || undefined);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    status.textContent = "Sending…";
    fetch(form.dataset.stream, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || !response.body) {
          return response.text().then(function (html) {
            status.textContent = "The request was refused (" + response.status + ").";
          });
        }
        var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += decoder.decode(chunk.value, { stream: true });
            var parts = buffer.split(/\r?\n\r?\n/);
            buffer = parts.pop();
            parts.forEach(parse);
            return pump();
          });
        }
        return pump();
      })
      .catch(function () { status.textContent = "Connection lost; try again."; })
      .finally(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        document.getElementById("notes").value = "";
        document.getElementById("message").value = "";
      });
  });
})();
