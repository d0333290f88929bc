using HaManager.Core.Formats;

namespace HaManager.Core.Tests.Formats;

/// <summary>
/// Goal: resources.cfg parses and writes as config-cli §2–§3 says. Method: round trips and the
/// warning texts for malformed input.
/// </summary>
public class SectionConfigTests
{
    private const string Example = "vm: 501\n\tcomment web frontend\n\tmax_relocate 2\n\tstate started\n\nct: 102\n\n";

    [Test]
    public void Canonical_file_round_trips_byte_for_byte()
    {
        var file = ResourcesConfig.Parse(Example);
        Assert.That(file.Warnings, Is.Empty);
        Assert.That(file.Sections.Keys, Is.EquivalentTo(new[] { "vm:501", "ct:102" }));
        Assert.That(ResourcesConfig.Write(file), Is.EqualTo(Example));
    }

    [Test]
    public void Writer_orders_comment_first_then_keys_alphabetically()
    {
        var file = ResourcesConfig.Parse("VM: 100\n    state stopped\n    max_restart +02\n    comment hi there\n    failback\n");
        Assert.That(ResourcesConfig.Write(file),
            Is.EqualTo("vm: 100\n\tcomment hi there\n\tfailback 1\n\tmax_restart 2\n\tstate stopped\n\n"));
    }

    [Test]
    public void Crlf_files_parse_like_lf_files()
    {
        var file = ResourcesConfig.Parse(Example.Replace("\n", "\r\n"));
        Assert.That(file.Sections["vm:501"].Properties["state"], Is.EqualTo("started"));
    }

    [Test]
    public void Bad_values_drop_only_that_property_with_a_warning()
    {
        var file = ResourcesConfig.Parse("vm: 100\n\tstate running\n\tmax_restart -1\n\tfailback yes\n");
        Assert.That(file.Sections["vm:100"].Properties, Is.Empty);
        Assert.That(file.Warnings, Is.EqualTo(new[]
        {
            "file ha/resources.cfg line 2 (section 'vm:100') - unable to parse value of 'state': value 'running' does not have a value in the enumeration 'started, stopped, enabled, disabled, ignored'",
            "file ha/resources.cfg line 3 (section 'vm:100') - unable to parse value of 'max_restart': value must have a minimum value of 0",
            "file ha/resources.cfg line 4 (section 'vm:100') - unable to parse value of 'failback': type check ('boolean') failed - got 'yes'",
        }));
    }

    [Test]
    public void Invalid_headers_skip_the_section()
    {
        var file = ResourcesConfig.Parse("vm: 1\n\tstate started\n\nxx: 100\n\nvm: 200\n\tbogus 1\n");
        Assert.That(file.Sections.Keys, Is.EqualTo(new[] { "vm:200" }));
        Assert.That(file.Warnings, Does.Contain("file ha/resources.cfg line 1 (skip section 'vm:1'): invalid VMID"));
        Assert.That(file.Warnings, Does.Contain("file ha/resources.cfg line 4 (skip section 'xx:100'): no such resource type 'xx'"));
        Assert.That(file.Warnings, Does.Contain("file ha/resources.cfg line 7 (section 'vm:200') - unable to parse value of 'bogus': unknown property type"));
    }

    [Test]
    public void Runtime_view_applies_defaults_and_the_real_default_state()
    {
        var file = ResourcesConfig.Parse("vm: 100\n\tstate enabled\n\nct: 101\n\nvm: 102\n");
        var runtime = ResourcesConfig.ToRuntime(file, sid => sid == "vm:102" ? null : "node1");
        Assert.That(runtime.Keys, Is.EqualTo(new[] { "ct:101", "vm:100" }), "a guest that does not exist is left out");
        Assert.That(runtime["vm:100"].State, Is.EqualTo("started"));
        Assert.That(runtime["ct:101"].State, Is.EqualTo("started"));
        Assert.That(runtime["ct:101"].MaxRestart, Is.EqualTo(1));
        Assert.That(runtime["ct:101"].Failback, Is.True);
    }

    [Test]
    public void Digest_of_a_missing_file_is_the_sha1_of_nothing() =>
        Assert.That(SectionConfig.DigestOf(""), Is.EqualTo("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
}
