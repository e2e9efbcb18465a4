using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Kube.Access.Tests")]
