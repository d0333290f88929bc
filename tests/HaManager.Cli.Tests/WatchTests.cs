namespace HaManager.Cli.Tests;

/// <summary>
/// Goal: <c>status --watch</c> shows every change and nothing else. Method: the plain (non-terminal) view
/// in-process on a scratch store; the test changes the configuration and waits for the next frame.
/// </summary>
public class WatchTests
{
    private sealed class Lines : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
        public override void Write(char value) { lock (_text) _text.Append(value); }
        public override void Write(string? value) { lock (_text) _text.Append(value); }
        public string Text { get { lock (_text) return _text.ToString(); } }
    }

    [Test]
    public void A_new_frame_appears_on_each_change_and_only_then()
    {
        using var c = new CliFixture();
        var ctx = CliContext.Open("directory:" + c.Root);
        var output = new Lines();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watcher = Task.Run(() => StatusWatch.Run(ctx, output, TimeSpan.FromMilliseconds(50), stop.Token, live: false));

        bool WaitFor(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!condition() && DateTime.UtcNow < deadline) Thread.Sleep(20);
            return condition();
        }
        int Frames() => output.Text.Split("-- ").Length - 1;

        Assert.That(WaitFor(() => Frames() == 1), Is.True, output.Text);
        Thread.Sleep(300); // unchanged store: no new frame
        Assert.That(Frames(), Is.EqualTo(1), output.Text);
        Assert.That(c.Run("add", "ocf:web", "--agent", "hamanager:demo-service", "--node", "node1").Exit, Is.Zero);
        Assert.That(WaitFor(() => Frames() == 2), Is.True, output.Text);
        Assert.That(output.Text, Does.Contain("service ocf:web (node1, queued)\n"));

        stop.Cancel();
        Assert.That(watcher.Wait(TimeSpan.FromSeconds(5)), Is.True, "the view ends when cancelled");
    }
}
