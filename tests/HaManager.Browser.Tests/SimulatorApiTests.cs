using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using HaManager.Simulator.Web;

namespace HaManager.Browser.Tests;

/// <summary>The page's API without a browser: what it refuses, and that a refusal changes nothing.</summary>
[TestFixture]
public sealed class SimulatorApiTests
{
    private SimulatorServer _server = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task Start()
    {
        _server = await SimulatorServer.StartAsync(
            SimulatorSession.Start(SimulatorSession.DemoScenario(), "the demo cluster"), IPAddress.Loopback, 0);
        _http = new HttpClient { BaseAddress = _server.Address };
    }

    [TearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, string body, string contentType = "application/json")
    {
        using var response = await _http.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string Error(JsonElement body) => body.GetProperty("error").GetString()!;

    [Test]
    public async Task Requests_that_are_not_json_objects_are_refused_and_change_nothing()
    {
        string log = _server.Session.Run.LogText;
        var (status, body) = await Post("api/step", "{\"count\":1}", "text/plain");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Error(body), Is.EqualTo("requests must be JSON (Content-Type: application/json)"));
        (status, body) = await Post("api/step", "garbage");
        Assert.That(Error(body), Is.EqualTo("the request body is not a JSON object"));
        (status, body) = await Post("api/command", "[1,2]");
        Assert.That(Error(body), Is.EqualTo("the request body is not a JSON object"));
        (status, body) = await Post("api/step", "{\"count\":501}");
        Assert.That(Error(body), Is.EqualTo("count must be a whole number from 1 to 500"));
        (status, body) = await Post("api/config", "{\"file\":\"/etc/passwd\",\"text\":\"x\"}");
        Assert.That(Error(body), Is.EqualTo("file must be rules.cfg or groups.cfg"));
        Assert.That(_server.Session.Run.LogText, Is.EqualTo(log));
        Assert.That(_server.Session.Run.Cluster.Time, Is.EqualTo(20));
    }

    [Test]
    public async Task A_scenario_that_cannot_be_loaded_leaves_the_session_in_place()
    {
        await Post("api/step", "{\"count\":3}");
        var before = _server.Session;
        var cases = new Dictionary<string, string>
        {
            ["{\"name\":\"x\",\"files\":{\"hardware_status\":\"{bad\",\"cmdlist\":\"[]\"}}"] = "cannot load the scenario: hardware_status:",
            ["{\"name\":\"x\",\"files\":{\"cmdlist\":\"[]\",\"service_config\":\"{\\\"vm:1\\\":{\\\"node\\\":\\\"node7\\\"}}\"}}"] =
                "which the scenario does not declare",
            ["{\"name\":\"y.yaml\",\"yaml\":\"commands: [[power\"}"] = "cannot load the scenario: y: line 2, column 1:",
            ["{\"path\":\"/nonexistent/scenario\"}"] = "no such scenario",
            ["{}"] = "nothing to load",
        };
        foreach (var (request, message) in cases)
        {
            var (status, body) = await Post("api/load", request);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), request);
            Assert.That(Error(body), Does.Contain(message), request);
        }
        Assert.That(_server.Session, Is.SameAs(before));
        Assert.That(_server.Session.Run.Cluster.Time, Is.EqualTo(80));
    }

    [Test]
    public async Task The_state_continues_from_the_cursors_the_page_sends()
    {
        var (_, first) = await Post("api/step", "{\"count\":2,\"log\":0,\"timeline\":0}");
        int logTotal = first.GetProperty("logTotal").GetInt32();
        int timelineTotal = first.GetProperty("timelineTotal").GetInt32();
        Assert.That(first.GetProperty("log").GetArrayLength(), Is.EqualTo(logTotal));
        Assert.That(timelineTotal, Is.EqualTo(3), "a sample at the start and one per step");

        var (_, next) = await Post("api/step", $"{{\"count\":1,\"log\":{logTotal},\"timeline\":{timelineTotal}}}");
        Assert.That(next.GetProperty("logFrom").GetInt32(), Is.EqualTo(logTotal));
        Assert.That(next.GetProperty("timeline").GetArrayLength(), Is.EqualTo(1));
        Assert.That(next.GetProperty("logTotal").GetInt32() - logTotal, Is.EqualTo(next.GetProperty("log").GetArrayLength()));

        using var export = await _http.GetAsync("api/export");
        Assert.That(export.Headers.GetValues("X-Replays-Identically"), Is.EqualTo(new[] { "yes" }));
        Assert.That(export.Content.Headers.ContentDisposition?.FileName, Is.EqualTo("demo-session.yaml"));
    }
}
