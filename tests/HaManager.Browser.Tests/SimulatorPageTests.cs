using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using HaManager.Simulator;
using HaManager.Simulator.Web;
using HaManager.TestSupport;
using Microsoft.Playwright;

namespace HaManager.Browser.Tests;

/// <summary>
/// The browser simulator as a user meets it: Debian's chromium, driven by Playwright, on a page served by
/// <see cref="SimulatorServer"/>. Each test gets its own server and page; the browser is shared.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class SimulatorPageTests
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>Three nodes switched on in the first batch, one service on each.</summary>
    private const string ThreeNodes = """
        description: three nodes, one service each
        nodes:
          node1: { power: off, network: off }
          node2: { power: off, network: off }
          node3: { power: off, network: off }
        services:
          vm:101: { node: node1, state: started }
          vm:102: { node: node2, state: started }
          vm:103: { node: node3, state: started }
        commands:
          - [power node1 on, power node2 on, power node3 on]
        """;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private SimulatorServer _server = null!;
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public async Task LaunchBrowser()
    {
        Prerequisites.Require("chromium", Chromium);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"],
        });
    }

    [OneTimeTearDown]
    public async Task CloseBrowser()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }

    [SetUp]
    public async Task OpenPage()
    {
        _dir = Directory.CreateTempSubdirectory("hamanager-browser-").FullName;
        _server = await SimulatorServer.StartAsync(
            SimulatorSession.Start(SimulatorSession.DemoScenario(), "the demo cluster"), IPAddress.Loopback, 0);
        _context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 }, AcceptDownloads = true });
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(30_000);
        await _page.GotoAsync(_server.Address.ToString());
        await Expect(_page.GetByTestId("time")).ToHaveTextAsync("t = 20 s");
    }

    [TearDown]
    public async Task ClosePage()
    {
        await _context.CloseAsync();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private ILocator NodeCard(string node) => _page.Locator($".node-card[data-node='{node}']");

    private ILocator ServiceRow(string sid) => _page.Locator($"#services tr[data-sid='{sid}']");

    private async Task LoadYaml(string name, string yaml)
    {
        string file = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(file, yaml);
        await _page.Locator("#load-yaml").SetInputFilesAsync(file);
    }

    /// <summary>Clicks Run and waits for <paramref name="condition"/>, then pauses.</summary>
    private async Task RunUntil(ILocator condition)
    {
        await _page.ClickAsync("#run");
        await condition.WaitForAsync(new() { Timeout = 45_000 });
        await _page.ClickAsync("#run");
        await Expect(_page.Locator("#run")).ToHaveTextAsync("Run");
    }

    /// <summary>The README shows the screenshots the tests take.</summary>
    private static string ScreenshotDir() => Path.Combine(RepoPaths.Root, "docs", "screenshots");

    [Test]
    public async Task A_powered_off_node_has_its_service_recovered_on_the_cards_in_the_log_and_on_the_timeline()
    {
        await LoadYaml("three-nodes.yaml", ThreeNodes);
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("Loaded three-nodes.yaml");
        await Expect(_page.Locator(".node-card")).ToHaveCountAsync(3);
        await RunUntil(_page.Locator("#services tr[data-state='started']").Nth(2));
        await Expect(ServiceRow("vm:103")).ToHaveAttributeAsync("data-node", "node3");

        await NodeCard("node3").Locator("button[data-action='Power off']").ClickAsync();
        await Expect(NodeCard("node3")).ToHaveAttributeAsync("data-state", "off");
        await Expect(NodeCard("node3").Locator(".badge").First).ToHaveTextAsync("power off");

        // Recovered = started on another node; the watchdog path takes a few minutes of virtual time.
        await RunUntil(_page.Locator("#services tr[data-sid='vm:103'][data-state='started']:not([data-node='node3'])"));
        string newNode = (await ServiceRow("vm:103").GetAttributeAsync("data-node"))!;
        Assert.That(newNode, Is.AnyOf("node1", "node2"));
        await Expect(NodeCard(newNode).GetByTestId("running")).ToContainTextAsync("vm:103");
        await Expect(NodeCard("node3").GetByTestId("running")).ToHaveTextAsync("running: nothing");

        // The log tells the story, and its service filter keeps only vm:103's lines.
        var log = _page.GetByTestId("log");
        await Expect(log).ToContainTextAsync("execute power node3 off");
        await Expect(log).ToContainTextAsync($"recover service 'vm:103' from fenced node 'node3' to node '{newNode}'");
        await _page.SelectOptionAsync("#log-service", "vm:103");
        var lines = await log.Locator("div").AllTextContentsAsync();
        Assert.That(lines, Is.Not.Empty);
        Assert.That(lines, Has.All.Contains("vm:103"));
        await _page.SelectOptionAsync("#log-service", "");

        // Timeline (a sample per round; recovery and the new start happen within one): vm:103 was fenced and ends
        // started on the new node, with a move
        // marked; node3's lane ends "off"; vm:101 never left node1.
        var lane = _page.Locator("#timeline g[data-service='vm:103'] rect");
        var states = new List<string>();
        foreach (var rect in await lane.AllAsync()) states.Add((await rect.GetAttributeAsync("data-state"))!);
        Assert.That(states, Is.EqualTo(new[] { "started", "fence", "started" }));
        Assert.That(await lane.Last.GetAttributeAsync("data-node"), Is.EqualTo(newNode));
        Assert.That(await _page.Locator($"#timeline g[data-service='vm:103'] line.move[data-node='{newNode}']").CountAsync(), Is.EqualTo(1));
        Assert.That(await _page.Locator("#timeline g[data-node='node3'] rect").Last.GetAttributeAsync("data-state"), Is.EqualTo("off"));
        Assert.That(await _page.Locator("#timeline g[data-service='vm:101'] rect[data-node='node1']").CountAsync(),
            Is.EqualTo(await _page.Locator("#timeline g[data-service='vm:101'] rect").CountAsync()));

        string shots = ScreenshotDir();
        Directory.CreateDirectory(shots);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(shots, "simulator-failover.png"), FullPage = true });
        await _page.Locator("#timeline-section").ScreenshotAsync(new() { Path = Path.Combine(shots, "simulator-timeline.png") });
    }

    [Test]
    public async Task An_exported_session_replays_identically_with_ha_simulator_test()
    {
        await RunUntil(_page.Locator("#services tr[data-state='started']").Nth(5));
        await _page.FillAsync("#command", "service vm:101 migrate node2");
        await _page.ClickAsync("#command-form button");
        await _page.ClickAsync("#step");
        await _page.ClickAsync("#step");
        await NodeCard("node3").Locator("button[data-action='Network off']").ClickAsync();
        await RunUntil(_page.Locator("#services tr[data-sid='vm:103'][data-state='started']:not([data-node='node3'])"));
        await Expect(ServiceRow("vm:101")).ToHaveAttributeAsync("data-node", "node2");

        var download = await _page.RunAndWaitForDownloadAsync(() => _page.ClickAsync("#export"));
        string file = Path.Combine(_dir, "session.yaml");
        await download.SaveAsAsync(file);
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("replays this session");

        string yaml = await File.ReadAllTextAsync(file);
        Assert.That(yaml, Does.Contain("service vm:101 migrate node2").And.Contain("network node3 off"));
        var scenario = YamlScenario.Parse(yaml, "session");
        Assert.That(scenario.ExpectedLog, Does.StartWith(_server.Session.Run.LogText),
            "the exported scenario's log continues this session's log");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = SimulatorCli.Execute(["test", file], stdout, stderr);
        Assert.That(code, Is.EqualTo(ExitCode.Ok), stdout + "\n" + stderr);
        Assert.That(stdout.ToString(), Does.Contain("1 passed, 0 failed"));
    }

    [Test]
    public async Task Bad_input_shows_a_clear_message_and_leaves_the_simulation_as_it_was()
    {
        await _page.ClickAsync("#step");
        await Expect(_page.GetByTestId("time")).ToHaveTextAsync("t = 40 s");
        int lines = await _page.GetByTestId("log").Locator("div").CountAsync();

        await LoadYaml("broken.yaml", "nodes:\n  node1: { power: on\ncommands: [[power node1 on]]\n");
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("cannot load the scenario: broken: line");
        await LoadYaml("typo.yaml", "nodez: {}\ncommands: []\n");
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("unknown key 'nodez'");

        await _page.FillAsync("#command", "power node9 off");
        await _page.ClickAsync("#command-form button");
        await Expect(_page.GetByTestId("message")).ToHaveTextAsync("'power node9 off' rejected: no such node 'node9'");
        await _page.FillAsync("#command", "service vm:101 migrate");
        await _page.ClickAsync("#command-form button");
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("missing target node for 'migrate' command");

        // Nothing changed: the same session, time, cards and log, and it goes on normally.
        await Expect(_page.GetByTestId("source")).ToHaveTextAsync("scenario: the demo cluster");
        await Expect(_page.GetByTestId("time")).ToHaveTextAsync("t = 40 s");
        await Expect(_page.Locator(".node-card")).ToHaveCountAsync(3);
        Assert.That(_server.Session.Run.LogText, Does.Not.Contain("node9").And.Not.Contain("migrate"));
        Assert.That(await _page.GetByTestId("log").Locator("div").CountAsync(), Is.EqualTo(lines));
        Assert.That(_server.Session.Run.ExecutedBatches.SelectMany(b => b), Has.None.Contains("node9"));
        await _page.ClickAsync("#step");
        await Expect(_page.GetByTestId("time")).ToHaveTextAsync("t = 60 s");
        await Expect(_page.GetByTestId("fatal")).ToBeHiddenAsync();
    }

    [Test]
    public async Task An_upstream_scenario_directory_plays_as_its_own_log_says()
    {
        string upstream = RepoPaths.RequireConformance("test-basic1");
        await _page.Locator("#load-dir").SetInputFilesAsync(upstream);
        await Expect(_page.GetByTestId("source")).ToHaveTextAsync("scenario: the uploaded directory test-basic1");
        await Expect(_page.Locator(".node-card")).ToHaveCountAsync(3);
        // Its second batch cuts node3's network; run until node3's service is recovered.
        await RunUntil(_page.Locator("#services tr[data-sid='vm:103'][data-state='started']:not([data-node='node3'])"));
        string expected = await File.ReadAllTextAsync(Path.Combine(upstream, "log.expect"));
        string session = _server.Session.Run.LogText;
        Assert.That(session.Split('\n').Length, Is.GreaterThan(40));
        Assert.That(expected, Does.StartWith(session), "the page drives the same engine: its log is upstream's log so far");
    }

    [Test]
    public async Task Rules_edited_on_the_page_take_effect_and_show_the_scheduler()
    {
        await RunUntil(_page.Locator("#services tr[data-state='started']").Nth(5));
        await Expect(_page.GetByTestId("crs")).ToHaveTextAsync("basic");
        await _page.FillAsync("#rules", "node-affinity: vm101-on-node3\n\tnodes node3\n\tresources vm:101\n\tstrict 1\n");
        await _page.ClickAsync("#save-rules");
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("rules.cfg saved");
        await RunUntil(_page.Locator("#services tr[data-sid='vm:101'][data-state='started'][data-node='node3']"));
        await Expect(_page.GetByTestId("log")).ToContainTextAsync("execute write rules.cfg (4 lines)");
        Assert.That(await _page.InputValueAsync("#rules"), Does.Contain("vm101-on-node3"));

        await _page.FillAsync("#groups", "group: broken\n\tnodes\n");
        await _page.ClickAsync("#save-groups");
        await Expect(_page.GetByTestId("message")).ToContainTextAsync("groups.cfg saved");
        await _page.ClickAsync("#step");
        await Expect(_page.GetByTestId("fatal")).ToBeHiddenAsync();
    }

    [Test]
    public async Task Ha_simulator_serve_is_a_real_command_that_serves_the_page()
    {
        string scenario = Path.Combine(_dir, "three.yaml");
        await File.WriteAllTextAsync(scenario, ThreeNodes);
        string dll = typeof(SimulatorCli).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "serve", "--port", "0", scenario }, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        try
        {
            var first = process.StandardOutput.ReadLineAsync();
            Assert.That(await Task.WhenAny(first, Task.Delay(20_000)), Is.SameAs(first), "no address printed within 20 s");
            var match = Regex.Match((await first) ?? "", @"^HaManager simulator on (http://127\.0\.0\.1:\d+/) ");
            Assert.That(match.Success, Is.True, await first);
            await _page.GotoAsync(match.Groups[1].Value);
            await Assertions.Expect(_page).ToHaveTitleAsync("HaManager simulator");
            await Expect(_page.GetByTestId("source")).ToHaveTextAsync($"scenario: {scenario}");
            await Expect(_page.Locator(".node-card")).ToHaveCountAsync(3);
            await _page.ClickAsync("#step");
            await Expect(_page.GetByTestId("time")).ToHaveTextAsync("t = 40 s");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        using var bad = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "serve", "--port", "0", Path.Combine(_dir, "missing.yaml") }, RedirectStandardError = true,
        })!;
        string error = await bad.StandardError.ReadToEndAsync();
        await bad.WaitForExitAsync();
        Assert.That(bad.ExitCode, Is.EqualTo(ExitCode.BadInput));
        Assert.That(error.Trim(), Does.StartWith("ha-simulator: no such scenario").And.Not.Contain(" at "));
    }
}
