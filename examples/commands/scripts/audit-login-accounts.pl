#!/usr/bin/perl
# List the accounts of this instance that can log in (a shell other than nologin, false,
# sync, shutdown or halt), and exit 1 when an account not in allowed_uid0 has uid 0 or an
# account has an empty password field in /etc/shadow. Read-only: it never changes an
# account and never prints a password hash.
use strict;
use warnings;

my $where   = '{{ACS::InstanceId}} ({{ACS::InstanceName}})';
my %allowed = map { $_ => 1 } split ' ', '{{allowed_uid0}}';
my %no_login
    = map { $_ => 1 } qw(nologin false sync shutdown halt);

open my $passwd, '<', '/etc/passwd' or die "cannot read /etc/passwd: $!\n";
my (@login, @bad_uid0);
while (my $line = <$passwd>) {
    chomp $line;
    next if $line =~ /^\s*(#|$)/;
    my ($name, undef, $uid, undef, undef, $home, $shell) = split /:/, $line, -1;
    next unless defined $shell;
    push @bad_uid0, $name if $uid eq '0' && !$allowed{$name};
    my ($base) = $shell =~ m{([^/]*)\z};
    push @login, "$name ($shell)" if $shell ne '' && !$no_login{$base};
}
close $passwd;

my @empty;
my $shadow_checked = open my $shadow, '<', '/etc/shadow';
if ($shadow_checked) {
    while (my $line = <$shadow>) {
        my ($name, $hash) = split /:/, $line, -1;
        push @empty, $name if defined $hash && $hash eq '';
    }
    close $shadow;
}

print "can log in (", scalar @login, "): ", join(', ', @login), "\n";
print $shadow_checked
    ? "/etc/shadow: " . (@empty ? "empty password: @empty" : "no empty password") . "\n"
    : "/etc/shadow not checked: cannot read it ($!)\n";
if (@bad_uid0) {
    print STDERR "$where: uid 0 outside allowed_uid0: @bad_uid0\n";
}
if (@bad_uid0 || @empty) {
    print STDERR "$where: audit FAILED\n";
    exit 1;
}
print "$where: audit passed: uid 0 only for ", join(' ', sort keys %allowed),
    ($shadow_checked ? ", no empty password" : ""), "\n";
