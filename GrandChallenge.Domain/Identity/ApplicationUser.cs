using GrandChallenge.Domain.Common;
using Microsoft.AspNetCore.Identity;

namespace GrandChallenge.Domain.Identity;

public class ApplicationUser : IdentityUser<Guid>, IHasTimestamps
{
    public ApplicationUser()
    {
        Id = Guid.CreateVersion7();
        SecurityStamp = Guid.NewGuid().ToString();
    }

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}
