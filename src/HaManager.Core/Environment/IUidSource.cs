namespace HaManager.Core.Environment;

/// <summary>Fresh request ids for service status entries. The only source of uniqueness the core
/// uses, so the simulator can count and a real node can mix in randomness.</summary>
public interface IUidSource
{
    /// <summary>A fresh, unique request id.</summary>
    string NewUid();
}
