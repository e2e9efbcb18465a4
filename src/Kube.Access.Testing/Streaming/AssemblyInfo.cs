using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Kube.Access.Testing.Tests")]
