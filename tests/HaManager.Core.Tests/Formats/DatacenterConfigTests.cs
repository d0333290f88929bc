using HaManager.Core.Formats;
using HaManager.Core.Scheduling;

namespace HaManager.Core.Tests.Formats;

/// <summary>Goal: datacenter.cfg HA/CRS options parse, and missing options take the documented defaults.</summary>
public class DatacenterConfigTests
{
    [Test]
    public void Ha_and_crs_property_strings_are_read()
    {
        var settings = DatacenterConfig.Parse(
            "keyboard: en-us\nha: shutdown_policy=migrate\ncrs: ha=dynamic,ha-auto-rebalance=1,ha-auto-rebalance-method=topsis\nmax_workers: 8\n");
        var crs = CrsSettings.From(settings);
        Assert.That(settings.ShutdownPolicy, Is.EqualTo("migrate"));
        Assert.That(settings.MaxWorkers, Is.EqualTo(8));
        Assert.That(crs.Mode, Is.EqualTo("dynamic"));
        Assert.That(crs.AutoRebalance, Is.True);
        Assert.That(crs.Method, Is.EqualTo("topsis"));
    }

    [Test]
    public void Missing_options_take_their_defaults()
    {
        var crs = CrsSettings.From(DatacenterConfig.Parse(null));
        Assert.That(crs, Is.EqualTo(new CrsSettings("basic", false, false, 0.3, "bruteforce", 3, 0.1)));
    }

    [Test]
    public void A_bare_value_belongs_to_the_default_key() =>
        Assert.That(CrsSettings.From(DatacenterConfig.Parse("crs: static")).Mode, Is.EqualTo("static"));
}
