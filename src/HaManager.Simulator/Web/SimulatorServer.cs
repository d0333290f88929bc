using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HaManager.Simulator.Web;

/// <summary>
/// <c>ha-simulator serve</c>: the page and a small JSON API over one <see cref="SimulatorSession"/>. The page
/// holds no simulation logic; every button is a simulator command the engine executes. Requests are
/// serialised (one lock), so the engine stays single-threaded as it is everywhere else. Loopback only
/// unless the caller binds elsewhere on purpose.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    /// <summary>The largest upload accepted (a scenario directory with its files, or one YAML file).</summary>
    public const int MaxUploadBytes = 4 * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private SimulatorSession _session;

    private SimulatorServer(WebApplication app, SimulatorSession session)
    {
        _app = app;
        _session = session;
    }

    /// <summary>The address the server listens on (with the port it got when asked for port 0).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The session (tests look inside).</summary>
    public SimulatorSession Session
    {
        get { lock (_gate) return _session; }
    }

    /// <summary>Starts listening on <paramref name="address"/>:<paramref name="port"/> (0: any free port).</summary>
    public static async Task<SimulatorServer> StartAsync(SimulatorSession session, IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = MaxUploadBytes;
        });
        var app = builder.Build();
        var server = new SimulatorServer(app, session);
        server.Map(app);
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal) + "/");
        return server;
    }

    /// <summary>Runs until the process is asked to stop.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/app.js", () => Asset("app.js", "text/javascript; charset=utf-8"));
        app.MapGet("/app.css", () => Asset("app.css", "text/css; charset=utf-8"));
        // A browser sends JSON to another site only after asking it (CORS), so no other page can drive a
        // local simulator; any other body is refused before it reaches the session.
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && !context.Request.HasJsonContentType())
            {
                await Problem("requests must be JSON (Content-Type: application/json)").ExecuteAsync(context);
                return;
            }
            await next(context);
        });
        app.MapGet("/api/state", (int? log, int? timeline) => Locked(s => View(s, log, timeline)));
        app.MapPost("/api/step", async (HttpRequest request) =>
        {
            var body = await Body<StepRequest>(request);
            if (body is null) return NotJson;
            return Locked(s =>
            {
                int count = body.Count ?? 1;
                if (count is < 1 or > SimulatorSession.MaxStepsPerRequest)
                    return Problem($"count must be a whole number from 1 to {SimulatorSession.MaxStepsPerRequest}");
                s.Step(count);
                return View(s, body.Log, body.Timeline);
            });
        });
        app.MapPost("/api/command", async (HttpRequest request) =>
        {
            var body = await Body<CommandRequest>(request);
            if (body is null) return NotJson;
            return Locked(s =>
            {
                if (body.Command is not { } command) return Problem("no command given");
                string? error = s.Execute(command);
                return error is null ? View(s, body.Log, body.Timeline) : Problem($"'{command.Split('\n')[0]}' rejected: {error}");
            });
        });
        app.MapPost("/api/config", async (HttpRequest request) =>
        {
            var body = await Body<ConfigRequest>(request);
            if (body is null) return NotJson;
            return Locked(s =>
            {
                if (body.File is not ("rules.cfg" or "groups.cfg")) return Problem("file must be rules.cfg or groups.cfg");
                string text = (body.Text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal);
                if (text.Length > 0 && !text.EndsWith('\n')) text += "\n";
                string? error = s.Execute($"write {body.File}\n{text}");
                return error is null ? View(s, body.Log, body.Timeline) : Problem($"{body.File} rejected: {error}");
            });
        });
        app.MapPost("/api/restart", () => Locked(s =>
        {
            _session = SimulatorSession.Start(s.Scenario, s.Source);
            return View(_session, 0, 0);
        }));
        app.MapPost("/api/load", async (HttpRequest request) =>
        {
            var body = await Body<LoadRequest>(request);
            ScenarioInput input;
            string source;
            try
            {
                (input, source) = Load(body);
            }
            catch (Exception e) when (e is ScenarioLoadException or IOException or UnauthorizedAccessException)
            {
                return Problem($"cannot load the scenario: {e.Message.Trim()}");
            }
            return Locked(_ =>
            {
                SimulatorSession next;
                try { next = SimulatorSession.Start(input, source); }
                catch (ScenarioLoadException e) { return Problem($"cannot load the scenario: {e.Message.Trim()}"); }
                _session = next;
                return View(next, 0, 0);
            });
        });
        app.MapGet("/api/export", (HttpResponse response) => Locked(s =>
        {
            string yaml = s.Export(out bool identical);
            string name = string.Concat(s.Scenario.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-'));
            response.Headers.ContentDisposition = $"attachment; filename=\"{name}-session.yaml\"";
            response.Headers["X-Replays-Identically"] = identical ? "yes" : "no";
            return Results.Text(yaml, "application/yaml; charset=utf-8", Encoding.UTF8);
        }));
    }

    private static (ScenarioInput Input, string Source) Load(LoadRequest? body)
    {
        if (body is null) throw new ScenarioLoadException("nothing to load: send a YAML scenario or a scenario directory's files");
        if (body.Yaml is { } yaml)
        {
            string name = Path.GetFileNameWithoutExtension(body.Name ?? "uploaded");
            return (YamlScenario.Parse(yaml, name), body.Name ?? "an uploaded YAML scenario");
        }
        if (body.Files is { Count: > 0 } files)
        {
            // An upstream scenario directory uploaded file by file: written to a temporary directory and read
            // by the same loader as `ha-simulator run DIR`.
            string dir = Directory.CreateTempSubdirectory("ha-simulator-upload-").FullName;
            try
            {
                foreach (var (file, text) in files)
                {
                    string fileName = Path.GetFileName(file);
                    if (fileName.Length == 0 || fileName is "." or "..")
                        throw new ScenarioLoadException($"'{file}' is not a file name");
                    File.WriteAllText(Path.Combine(dir, fileName), text);
                }
                string name = body.Name ?? "uploaded";
                var input = ScenarioDirectory.Load(dir);
                input.Name = name;
                return (input, $"the uploaded directory {name}");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        if (body.Path is { } path)
        {
            path = Path.GetFullPath(path);
            return (SimulatorCli.Load(path), path);
        }
        throw new ScenarioLoadException("nothing to load: send a YAML scenario or a scenario directory's files");
    }

    private IResult Locked(Func<SimulatorSession, IResult> action)
    {
        lock (_gate) return action(_session);
    }

    private static IResult View(SimulatorSession session, int? log, int? timeline) =>
        Results.Json(session.View(log ?? 0, timeline ?? 0), Json);

    private static readonly IResult NotJson = Problem("the request body is not a JSON object");

    private static IResult Problem(string message) =>
        Results.Json(new { error = message }, Json, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The request's JSON body, or null when it is not valid JSON.</summary>
    private static async Task<T?> Body<T>(HttpRequest request) where T : class
    {
        try { return await JsonSerializer.DeserializeAsync<T>(request.Body, Json); }
        catch (JsonException) { return null; }
    }

    private static IResult Asset(string name, string contentType)
    {
        var stream = typeof(SimulatorServer).Assembly.GetManifestResourceStream($"HaManager.Simulator.Web.{name}")
                     ?? throw new InvalidOperationException($"the page's {name} is not built into ha-simulator");
        return Results.Stream(stream, contentType);
    }

    private sealed record StepRequest(int? Count, int? Log, int? Timeline);

    private sealed record CommandRequest(string? Command, int? Log, int? Timeline);

    private sealed record ConfigRequest(string? File, string? Text, int? Log, int? Timeline);

    private sealed record LoadRequest(string? Name, string? Yaml, Dictionary<string, string>? Files, string? Path);
}
