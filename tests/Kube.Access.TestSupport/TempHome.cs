namespace Kube.Access.TestSupport;

/// <summary>A fresh HOME directory for one tool run, so neither ~/.kube/config nor a discovery cache leaks between runs.</summary>
internal static class TempHome
{
    public static string Create(string prefix)
    {
        var home = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        return home;
    }

    public static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
